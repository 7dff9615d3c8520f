-- create-row-routine.sql: a PL/pgSQL function per entity table that does what
-- insert-row.sql, settle-created-rows.sql and append-outbox.sql do, in one
-- call: one round trip, and statements planned once per session (PGlite has
-- no prepared-statement cache; on a server it saves the round trips).
--
-- Versions under concurrency: the function is VOLATILE, so under READ
-- COMMITTED each of its statements takes a new snapshot. The INSERT may have
-- waited on the unique index for a transaction deleting the id's previous
-- row; once it returns, that delete has committed, and the DELETE of the
-- tombstone that follows sees what it wrote: the version is corrected to
-- continue after it (settle-created-rows.sql explains why no newer tombstone
-- can appear).
--
-- Placeholders (allow-listed, double-quoted identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}    the home's schema
--   {{table}}     the entity table
--   {{routine}}   the function name (postgres-ddl.ts routineName)
--   {{argTypes}}  ', text, bigint' ... the SQL types of the column values
--   {{columns}}   ', "col_a", "col_b"' (relational) or ', doc' (document)
--   {{values}}    ', $4, $5' ... the column values, from $4
-- Arguments: $1 row id, $2 entity name, $3 the create event's payload (jsonb;
-- null appends no event: a bare insert), $4… the column values.
-- Returns: o_version, o_tx_id, o_seq (all null when the id already exists:
-- nothing is written; the position is null without an event).
CREATE OR REPLACE FUNCTION {{schema}}.{{routine}}(
  text, text, jsonb{{argTypes}}, OUT o_version bigint, OUT o_tx_id text, OUT o_seq text
) VOLATILE LANGUAGE plpgsql AS $ps_routine$
#variable_conflict use_column
DECLARE
  v_tombstone bigint;
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
  DELETE FROM {{schema}}."_ps_tombstones" WHERE entity = $2 AND id = $1
  RETURNING version INTO v_tombstone;
  IF v_tombstone IS NOT NULL AND v_tombstone + 1 <> o_version THEN
    o_version := v_tombstone + 1;
    UPDATE {{schema}}.{{table}} SET _version = o_version WHERE id = $1;
  END IF;
  IF $3 IS NOT NULL THEN
    INSERT INTO {{schema}}."_ps_outbox" (entity, key, version, op, payload)
    VALUES ($2, $1, o_version, 'create', $3)
    RETURNING tx_id::text, seq::text INTO o_tx_id, o_seq;
  END IF;
END
$ps_routine$
