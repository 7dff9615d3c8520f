-- delete-row.sql: deletes a row (optionally only at an expected version) and
-- records a tombstone one version above it, in one statement, so a later
-- insert of the same id continues the version sequence and views can order
-- the delete against older upserts.
--
-- Placeholders (allow-listed, double-quoted identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}  the home's schema
--   {{table}}   the entity table
-- Parameters:
--   $1  text    the row id
--   $2  text    the entity name
--   $3  bigint  the version the caller expects, or null for any version
-- Returns: one row. tombstone_version is set when the row was deleted;
-- otherwise current_version tells "absent" (null) from "changed since".
WITH removed AS (
  DELETE FROM {{schema}}.{{table}}
  WHERE id = $1::text AND ($3::bigint IS NULL OR _version = $3::bigint)
  RETURNING _version
), tombstone AS (
  INSERT INTO {{schema}}."_ps_tombstones" (entity, id, version)
  SELECT $2::text, $1::text, _version + 1 FROM removed
  ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version
  RETURNING version
)
SELECT (SELECT version FROM tombstone) AS tombstone_version,
       (SELECT _version FROM {{schema}}.{{table}} WHERE id = $1::text) AS current_version
