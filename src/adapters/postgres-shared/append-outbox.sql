-- append-outbox.sql: appends one change event to the outbox inside the
-- caller's transaction. tx_id defaults to pg_current_xact_id(), which assigns
-- the transaction its id now if it has none yet; seq comes from a sequence.
--
-- Placeholders:
--   {{schema}}  the home's schema (allow-listed, double-quoted)
-- Parameters:
--   $1  text    entity name
--   $2  text    record key
--   $3  bigint  record version after the change
--   $4  text    'create' | 'update' | 'delete'
--   $5  jsonb   the record after the change as JSON text, or null for a delete
-- Returns: tx_id and seq as decimal text (the event's log position).
INSERT INTO {{schema}}."_ps_outbox" (entity, key, version, op, payload)
VALUES ($1::text, $2::text, $3::bigint, $4::text, $5::jsonb)
RETURNING tx_id::text AS tx_id, seq::text AS seq
