-- insert-rows.sql: inserts several new entity rows in one statement, each
-- version estimated from the tombstone an earlier delete of its id left (or
-- 1). All or none: unlike insert-row.sql there is no ON CONFLICT, so a taken
-- id, or one repeated in the batch, fails the whole statement with a unique
-- violation (23505). Always followed, in the same transaction, by
-- settle-created-rows.sql (insert-row.sql says why).
--
-- Rows go in in id order, so two batches sharing ids wait on each other's
-- unique index entries in the same order and cannot deadlock.
--
-- Placeholders (allow-listed, double-quoted identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}   the home's schema
--   {{table}}    the entity table
--   {{columns}}  ', "col_a", "col_b"' (relational) or ', doc' (document)
--   {{sources}}  ', unnest($3::text[]), unnest($4::text[])' … one set of values per
--                column: a text array, or for a document's doc column
--                jsonb_array_elements($3::jsonb), the documents as one JSON array
--                (no array literal to escape and parse, each document parsed once)
--   {{aliases}}  ', c3, c4' … the names of the unnested columns
--   {{values}}   ', u.c3::bigint, u.c4::jsonb' … each column cast from its text form
-- Parameters:
--   $1   text[]  the row ids, in input order
--   $2   text    the entity name (tombstones are keyed by entity, not table)
--   $3…  text[]  each column's values as text (null for NULL), in {{columns}} order;
--        jsonb   for a document, its doc column: a JSON array of the documents
-- Returns: one row (id, _version, the estimate) per inserted row, in no particular order.
WITH input AS (
  SELECT * FROM ROWS FROM (unnest($1::text[]){{sources}}) AS u(id{{aliases}})
)
INSERT INTO {{schema}}.{{table}} (id, _version{{columns}})
SELECT u.id, COALESCE(t.version, 0) + 1{{values}}
FROM input u
LEFT JOIN {{schema}}."_ps_tombstones" t ON t.entity = $2::text AND t.id = u.id
ORDER BY u.id
RETURNING id, _version
