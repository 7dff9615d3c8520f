-- create-rows.sql: calls the table's create-rows-routine.sql function (insert a
-- batch of rows, settle their versions against the tombstones and append their
-- create events: one call).
--
-- Placeholders:
--   {{schema}}   the home's schema
--   {{routine}}  the function name
--   {{arrays}}   ', $4::text[], $5::text[]' ... one parameter per column (insert-rows.sql {{sources}})
-- Parameters: $1 text[] the row ids, $2 text the entity name, $3 jsonb the
-- event payloads as one JSON array (null for a bare insert, no events), $4…
-- each column's values (insert-rows.sql).
-- Returns: one row (versions, in input order; tx_id and seq of the last event, null without events).
SELECT o_versions AS versions, o_tx_id AS tx_id, o_seq AS seq
FROM {{schema}}.{{routine}}($1::text[], $2::text, $3::jsonb{{arrays}})
