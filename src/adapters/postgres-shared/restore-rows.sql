-- restore-rows.sql: writes rows exactly as another home holds them, versions
-- included (copying a home), each only when its version is newer than both
-- the row and the tombstone this home holds for its id. A row that wins
-- clears an older tombstone of its id (the `cleared` step; both steps see the
-- same snapshot, and only tombstones older than the incoming row go, so the
-- NOT EXISTS below is not changed by it). No outbox event is written.
--
-- Placeholders (allow-listed, double-quoted identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}       the home's schema
--   {{table}}        the entity table
--   {{columns}}      as insert-rows.sql
--   {{sources}}      as insert-rows.sql, the columns from $4
--   {{aliases}}      as insert-rows.sql
--   {{values}}       as insert-rows.sql
--   {{assignments}}  ', "col_a" = EXCLUDED."col_a"' … every column (', doc = EXCLUDED.doc')
-- Parameters:
--   $1   text[]    the row ids, each at most once
--   $2   bigint[]  their versions, in the same order
--   $3   text      the entity name
--   $4…  the columns, as insert-rows.sql binds them from $3
-- Returns: one row (id) per row written.
WITH input AS (
  SELECT * FROM ROWS FROM (unnest($1::text[]), unnest($2::bigint[]){{sources}}) AS u(id, version{{aliases}})
), cleared AS (
  DELETE FROM {{schema}}."_ps_tombstones" t USING input u
  WHERE t.entity = $3::text AND t.id = u.id AND t.version < u.version
)
INSERT INTO {{schema}}.{{table}} AS r (id, _version{{columns}})
SELECT u.id, u.version{{values}}
FROM input u
WHERE NOT EXISTS (
  SELECT 1 FROM {{schema}}."_ps_tombstones" t
  WHERE t.entity = $3::text AND t.id = u.id AND t.version >= u.version
)
ORDER BY u.id
ON CONFLICT (id) DO UPDATE SET _version = EXCLUDED._version{{assignments}}
WHERE r._version < EXCLUDED._version
RETURNING r.id
