-- delete-row.sql: deletes a row (optionally only at an expected version) and
-- records a tombstone one version above it, in one statement, so a later
-- insert of the same id continues the version sequence and views can order
-- the delete against older upserts.
--
-- Under READ COMMITTED a DELETE that finds the row locked by a concurrent
-- writer waits for it, then re-checks the newest version of the row: it
-- deletes nothing if that writer deleted the row or changed its version.
-- Why nothing matched is asked afterwards (current-version.sql), never from
-- this statement's snapshot, which still shows the row as it was.
--
-- Placeholders (allow-listed, double-quoted identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}  the home's schema
--   {{table}}   the entity table
-- Parameters:
--   $1  text    the row id
--   $2  text    the entity name
--   $3  bigint  the version the caller expects, or null for any version
-- Returns: one row (tombstone_version) when the row was deleted; none otherwise.
WITH removed AS (
  DELETE FROM {{schema}}.{{table}}
  WHERE id = $1::text AND ($3::bigint IS NULL OR _version = $3::bigint)
  RETURNING _version
)
INSERT INTO {{schema}}."_ps_tombstones" (entity, id, version)
SELECT $2::text, $1::text, _version + 1 FROM removed
ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version
RETURNING version AS tombstone_version
