-- create-rows-routine.sql: a PL/pgSQL function per entity table that creates
-- a batch in one call: insert-rows.sql, then settle-created-rows.sql, then
-- (unless the payloads are null) the batch's create events in the outbox.
-- One round trip per batch, every statement planned once per session.
--
-- The function is VOLATILE, so under READ COMMITTED each statement takes a
-- new snapshot: the settle sees the tombstone of any delete the inserts
-- waited for (settle-created-rows.sql explains why that is enough), and the
-- last statements read the rows' settled versions back through the primary
-- key. Events go in in input order (ORDER BY ord), so their seq values, and
-- with the shared tx_id their log positions, increase in input order and
-- follow every event this transaction appended before.
--
-- Placeholders (allow-listed identifiers and rendered statements; see ../sql-shared/sql-template.ts):
--   {{schema}}      the home's schema
--   {{table}}       the entity table
--   {{routine}}     the function name (postgres-ddl.ts batchRoutineName)
--   {{argTypes}}    ', text[], text[]' ... one per column (insert-rows.sql {{sources}})
--   {{insertRows}}  insert-rows.sql, rendered for the table without RETURNING
--   {{settleRows}}  settle-created-rows.sql, rendered for the table without RETURNING
-- Arguments: $1 text[] the row ids, $2 text the entity name, $3 jsonb the
-- rows' create event payloads as one JSON array, in row order (null: append
-- no events), $4… the columns (insert-rows.sql, its column parameters shifted by one).
-- Returns: o_versions, the rows' versions in input order; o_tx_id and o_seq,
-- the position of the last event (null without events). A taken or repeated
-- id fails the whole call with a unique violation (23505).
CREATE OR REPLACE FUNCTION {{schema}}.{{routine}}(
  text[], text, jsonb{{argTypes}}, OUT o_versions bigint[], OUT o_tx_id text, OUT o_seq text
) VOLATILE LANGUAGE plpgsql AS $ps_routine$
#variable_conflict use_column
BEGIN
  {{insertRows}};
  {{settleRows}};
  IF $3 IS NULL THEN
    SELECT array_agg(r._version ORDER BY u.ord) INTO o_versions
    FROM unnest($1) WITH ORDINALITY AS u(id, ord)
    JOIN {{schema}}.{{table}} r ON r.id = u.id;
    RETURN;
  END IF;
  WITH appended AS (
    INSERT INTO {{schema}}."_ps_outbox" (entity, key, version, op, payload)
    SELECT $2, u.id, r._version, 'create', u.payload
    FROM ROWS FROM (unnest($1), jsonb_array_elements($3)) WITH ORDINALITY AS u(id, payload, ord)
    JOIN {{schema}}.{{table}} r ON r.id = u.id
    ORDER BY u.ord
    RETURNING tx_id, seq, version
  )
  SELECT array_agg(version ORDER BY seq), tx_id::text, max(seq)::text INTO o_versions, o_tx_id, o_seq
  FROM appended GROUP BY tx_id;
END
$ps_routine$
