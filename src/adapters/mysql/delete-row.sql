-- delete-row.sql: deletes a row, optionally only at an expected version, and
-- returns the version it had. The caller then records a tombstone one
-- version above it (tombstone.sql, same transaction), so a later insert of
-- the same id continues the version sequence and views can order the delete
-- against older upserts.
--
-- Placeholders (allow-listed, backtick-quoted identifiers; see mysql-sql.ts):
--   {{table}}  the entity table, `database`.`table`
-- Parameters (positional):
--   1  the row id
--   2  the version the caller expects, or null for any version
--   3  the same value again
-- Returns: one row (_version) when deleted; none when the row is absent or at
-- another version (current-version.sql tells which).
DELETE FROM {{table}}
WHERE id = ? AND (? IS NULL OR _version = ?)
RETURNING _version
