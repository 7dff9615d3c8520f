-- update-row.sql: replaces a row's data if it still has the expected version
-- (optimistic concurrency) and bumps the version, in one statement.
--
-- Placeholders (allow-listed, double-quoted identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}       the home's schema
--   {{table}}        the entity table
--   {{assignments}}  '"col_a" = $3::text, "col_b" = $4::bigint' or 'doc = $3::jsonb'
-- Parameters:
--   $1  text    the row id
--   $2  bigint  the version the caller expects
--   $3… the column values, in {{assignments}} order
-- Returns: one row. new_version is set when the update happened; otherwise
-- current_version tells "absent" (null) from "changed since" (the version seen).
WITH updated AS (
  UPDATE {{schema}}.{{table}}
  SET {{assignments}}, _version = _version + 1
  WHERE id = $1::text AND _version = $2::bigint
  RETURNING _version
)
SELECT (SELECT _version FROM updated) AS new_version,
       (SELECT _version FROM {{schema}}.{{table}} WHERE id = $1::text) AS current_version
