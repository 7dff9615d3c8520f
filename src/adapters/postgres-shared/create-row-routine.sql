-- create-row-routine.sql: a PL/pgSQL function per entity table that does what
-- insert-row.sql and append-outbox.sql do, in one call. Homes whose engine plans
-- every statement afresh (PGlite has no prepared-statement cache) use it: the
-- function's statements are planned once per session and reused.
--
-- Placeholders (allow-listed, double-quoted identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}    the home's schema
--   {{table}}     the entity table
--   {{routine}}   the function name (postgres-ddl.ts routineName)
--   {{argTypes}}  ', text, bigint' ... the SQL types of the column values
--   {{columns}}   ', "col_a", "col_b"' (relational) or ', doc' (document)
--   {{values}}    ', $4, $5' ... the column values, from $4
-- Arguments: $1 row id, $2 entity name, $3 the event payload (jsonb), $4… the column values.
-- Returns: o_version, o_tx_id, o_seq (all null when the id already exists: nothing is written).
CREATE OR REPLACE FUNCTION {{schema}}.{{routine}}(
  text, text, jsonb{{argTypes}}, OUT o_version bigint, OUT o_tx_id text, OUT o_seq text
) LANGUAGE plpgsql AS $ps_routine$
#variable_conflict use_column
BEGIN
  INSERT INTO {{schema}}.{{table}} (id, _version{{columns}})
  SELECT $1,
         COALESCE((SELECT t.version FROM {{schema}}."_ps_tombstones" t
                   WHERE t.entity = $2 AND t.id = $1), 0) + 1{{values}}
  ON CONFLICT (id) DO NOTHING
  RETURNING _version INTO o_version;
  IF o_version IS NULL THEN
    RETURN;
  END IF;
  -- A version past 1 continued a tombstone, which the new row replaces.
  IF o_version > 1 THEN
    DELETE FROM {{schema}}."_ps_tombstones" WHERE entity = $2 AND id = $1;
  END IF;
  INSERT INTO {{schema}}."_ps_outbox" (entity, key, version, op, payload)
  VALUES ($2, $1, o_version, 'create', $3)
  RETURNING tx_id::text, seq::text INTO o_tx_id, o_seq;
END
$ps_routine$
