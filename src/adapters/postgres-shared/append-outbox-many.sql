-- append-outbox-many.sql: appends several change events to the outbox inside
-- the caller's transaction, in one statement. Rows are inserted in input
-- order (ORDER BY ord), so their seq values, and with the shared tx_id their
-- log positions, increase in input order and follow every event this
-- transaction appended before.
--
-- Placeholders:
--   {{schema}}  the home's schema (allow-listed, double-quoted)
-- Parameters (arrays of equal length, one element per event, in order):
--   $1  text[]  entity names
--   $2  text[]  record keys
--   $3  text[]  record versions after the change (decimal text)
--   $4  text[]  'create' | 'update' | 'delete'
--   $5  text[]  the records after the change as JSON text, null for a delete
-- Returns: one row, tx_id and the largest seq as decimal text (the position of the last event).
WITH appended AS (
  INSERT INTO {{schema}}."_ps_outbox" (entity, key, version, op, payload)
  SELECT u.entity, u.key, u.version::bigint, u.op, u.payload::jsonb
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       WITH ORDINALITY AS u(entity, key, version, op, payload, ord)
  ORDER BY u.ord
  RETURNING tx_id, seq
)
SELECT tx_id::text AS tx_id, max(seq)::text AS seq FROM appended GROUP BY tx_id
