-- create-rows.sql: calls the table's create-rows-routine.sql function (insert a
-- batch of rows and settle their versions against the tombstones: one call).
--
-- Placeholders:
--   {{schema}}   the home's schema
--   {{routine}}  the function name
--   {{arrays}}   ', $3::text[], $4::text[]' ... one array parameter per column
-- Parameters: $1 text[] the row ids, $2 text the entity name, $3… text[] each
-- column's values as text (null for NULL).
-- Returns: (id, _version) rows; where an id appears twice, the later row holds its version.
SELECT o_id AS id, o_version AS _version
FROM {{schema}}.{{routine}}($1::text[], $2::text{{arrays}})
