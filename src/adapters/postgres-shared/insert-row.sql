-- insert-row.sql: inserts a new entity row whose version continues after the
-- tombstone left by an earlier delete of the same id (or starts at 1), and
-- clears that tombstone, in one statement.
--
-- Placeholders (allow-listed, double-quoted identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}   the home's schema
--   {{table}}    the entity table
--   {{columns}}  ', "col_a", "col_b"' (relational) or ', doc' (document)
--   {{values}}   ', $3::text, $4::bigint' ... the casts of the values below
-- Parameters:
--   $1  text  the row id
--   $2  text  the entity name (tombstones are keyed by entity, not table)
--   $3… the column values, in {{columns}} order
-- Returns: one row (_version) when inserted; no row when the id already exists.
WITH inserted AS (
  INSERT INTO {{schema}}.{{table}} (id, _version{{columns}})
  SELECT $1::text,
         COALESCE((SELECT t.version FROM {{schema}}."_ps_tombstones" t
                   WHERE t.entity = $2::text AND t.id = $1::text), 0) + 1{{values}}
  ON CONFLICT (id) DO NOTHING
  RETURNING _version
), cleared AS (
  DELETE FROM {{schema}}."_ps_tombstones"
  WHERE entity = $2::text AND id = $1::text AND EXISTS (SELECT 1 FROM inserted)
)
SELECT _version FROM inserted
