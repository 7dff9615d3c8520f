-- create-row.sql: calls the table's create-row-routine.sql function (insert the
-- row, settle its version against the tombstone, append its create event: one call).
--
-- Placeholders:
--   {{schema}}   the home's schema
--   {{routine}}  the function name
--   {{values}}   ', $4::text, $5::bigint' ... the casts of the column values
-- Parameters: $1 row id, $2 entity name, $3 the event payload as JSON text (null
-- for a bare insert, no event), $4… the column values.
-- Returns: one row (_version, tx_id, seq); all null when the id already exists.
SELECT o_version AS _version, o_tx_id AS tx_id, o_seq AS seq
FROM {{schema}}.{{routine}}($1::text, $2::text, $3::jsonb{{values}})
