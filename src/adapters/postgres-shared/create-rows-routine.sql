-- create-rows-routine.sql: a PL/pgSQL function per entity table that creates
-- a batch in one call: it inserts the rows, settles their versions against
-- the tombstones and (unless the payloads are null) appends their create
-- events. One round trip per batch, every statement planned once per session.
--
-- The rows go in at version 1, in id order (insert-rows.sql says why). The
-- function is VOLATILE, so under READ COMMITTED its next statement takes a new
-- snapshot, which sees the tombstone of any delete the inserts waited for: it
-- clears the tombstones of the batch's ids and moves each such row to one
-- above its tombstone (settle-created-rows.sql explains why that is enough).
-- A row without a tombstone then stays at 1, so the versions are known
-- without reading the rows back. Events go in in input order (ORDER BY ord),
-- so their seq values, and with the shared tx_id their log positions,
-- increase in input order and follow every event this transaction appended before.
--
-- Placeholders (allow-listed identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}    the home's schema
--   {{table}}     the entity table
--   {{routine}}   the function name (postgres-ddl.ts batchRoutineName)
--   {{argTypes}}  ', text[]' ... one per column, as insert-rows.sql binds it
--   {{columns}}, {{sources}}, {{aliases}}, {{values}}  as in insert-rows.sql, columns from $4
-- Arguments: $1 text[] the row ids, $2 text the entity name, $3 jsonb the
-- rows' create event payloads as one JSON array, in row order (null: append
-- no events), $4… the columns (as insert-rows.sql's $3…).
-- Returns: o_versions, the rows' versions in input order; o_tx_id and o_seq,
-- the position of the last event (null without events). A taken or repeated
-- id fails the whole call with a unique violation (23505).
CREATE OR REPLACE FUNCTION {{schema}}.{{routine}}(
  text[], text, jsonb{{argTypes}}, OUT o_versions bigint[], OUT o_tx_id text, OUT o_seq text
) VOLATILE LANGUAGE plpgsql AS $ps_routine$
#variable_conflict use_column
DECLARE
  v_ids text[];
  v_versions bigint[];
BEGIN
  INSERT INTO {{schema}}.{{table}} (id, _version{{columns}})
  SELECT u.id, 1{{values}}
  FROM ROWS FROM (unnest($1){{sources}}) AS u(id{{aliases}})
  ORDER BY u.id;
  WITH cleared AS (
    DELETE FROM {{schema}}."_ps_tombstones" t
    WHERE t.entity = $2 AND t.id = ANY($1)
    RETURNING t.id, t.version + 1 AS version
  ), moved AS (
    UPDATE {{schema}}.{{table}} r SET _version = c.version FROM cleared c WHERE r.id = c.id
  )
  SELECT array_agg(c.id), array_agg(c.version) INTO v_ids, v_versions FROM cleared c;
  IF $3 IS NULL THEN
    SELECT array_agg(COALESCE(c.version, 1) ORDER BY u.ord) INTO o_versions
    FROM unnest($1) WITH ORDINALITY AS u(id, ord)
    LEFT JOIN unnest(v_ids, v_versions) AS c(id, version) ON c.id = u.id;
    RETURN;
  END IF;
  WITH appended AS (
    INSERT INTO {{schema}}."_ps_outbox" (entity, key, version, op, payload)
    SELECT $2, u.id, COALESCE(c.version, 1), 'create', u.payload
    FROM ROWS FROM (unnest($1), jsonb_array_elements($3)) WITH ORDINALITY AS u(id, payload, ord)
    LEFT JOIN unnest(v_ids, v_versions) AS c(id, version) ON c.id = u.id
    ORDER BY u.ord
    RETURNING tx_id, seq, version
  )
  SELECT array_agg(version ORDER BY seq), tx_id::text, max(seq)::text INTO o_versions, o_tx_id, o_seq
  FROM appended GROUP BY tx_id;
END
$ps_routine$
