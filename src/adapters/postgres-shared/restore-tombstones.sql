-- restore-tombstones.sql: records deletes exactly as another home holds them
-- (copying a home): each tombstone is kept when its version is newer than the
-- row and the tombstone this home holds for its id, and an older row of the
-- id goes (the `removed` step; only rows older than the tombstone go, so the
-- NOT EXISTS below is not changed by it).
--
-- Placeholders:
--   {{schema}}  the home's schema (allow-listed, double-quoted)
--   {{table}}   the entity table
-- Parameters:
--   $1  text[]    the deleted ids, each at most once
--   $2  bigint[]  their tombstone versions, in the same order
--   $3  text      the entity name
-- Returns: one row (id) per tombstone written.
WITH input AS (
  SELECT * FROM ROWS FROM (unnest($1::text[]), unnest($2::bigint[])) AS u(id, version)
), removed AS (
  DELETE FROM {{schema}}.{{table}} r USING input u
  WHERE r.id = u.id AND r._version < u.version
)
INSERT INTO {{schema}}."_ps_tombstones" AS t (entity, id, version)
SELECT $3::text, u.id, u.version
FROM input u
WHERE NOT EXISTS (SELECT 1 FROM {{schema}}.{{table}} r WHERE r.id = u.id AND r._version >= u.version)
ORDER BY u.id
ON CONFLICT (entity, id) DO UPDATE SET version = EXCLUDED.version
WHERE t.version < EXCLUDED.version
RETURNING t.id
