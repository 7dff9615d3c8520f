-- set-version.sql: moves a row just inserted (insert-row.sql) to the version
-- after the tombstone clear-tombstone.sql removed.
--
-- Placeholders:
--   {{table}}  the entity table, `database`.`table` (allow-listed, backtick-quoted)
-- Parameters (positional):
--   1  the version
--   2  the row id
-- Returns: nothing.
UPDATE {{table}} SET _version = ? WHERE id = ?
