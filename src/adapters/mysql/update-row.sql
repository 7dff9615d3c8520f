-- update-row.sql: replaces a row's data if it still has the expected version
-- (optimistic concurrency) and bumps the version, in one statement.
--
-- Placeholders (allow-listed, backtick-quoted identifiers; see mysql-sql.ts):
--   {{table}}        the entity table, `database`.`table`
--   {{assignments}}  '`col_a` = ?, `col_b` = ?, ' or 'doc = ?, ' (may be empty)
-- Parameters (positional):
--   1…  the column values, in {{assignments}} order
--   n+1 the row id
--   n+2 the version the caller expects
-- Returns: affectedRows 1 when updated (the new version is the expected one
-- plus 1); 0 when the row is absent or at another version, which the caller
-- tells apart with current-version.sql.
UPDATE {{table}}
SET {{assignments}}_version = _version + 1
WHERE id = ? AND _version = ?
