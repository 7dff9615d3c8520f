-- insert-rows.sql: inserts several new entity rows at version 1 in one
-- statement, all or none. The caller then clears their tombstones
-- (clear-tombstones.sql) and moves each row that had one past it
-- (set-version.sql), in the same transaction: insert-row.sql says why the
-- rows go in first.
--
-- Why ON DUPLICATE KEY UPDATE, as in insert-row.sql: it takes the exclusive
-- lock on a just-deleted (delete-marked) record at once, where a plain INSERT
-- would upgrade a shared one and deadlock with anything queued on it. Here the
-- update sets the NOT NULL _version to NULL, which strict mode (the home
-- requires it) refuses with error 1048 naming `_version`: a taken id, or one
-- repeated in the batch, fails the whole statement, and InnoDB undoes the
-- rows it had inserted, so none stay.
--
-- The caller lists the rows in id order, so two batches sharing ids lock them
-- in the same order and cannot deadlock on each other.
--
-- Placeholders (allow-listed, backtick-quoted identifiers; see mysql-sql.ts):
--   {{table}}    the entity table, `database`.`table`
--   {{columns}}  ', `col_a`, `col_b`' (relational) or ', doc' (document)
--   {{rows}}     '(?, 1, ?, ?), (?, 1, ?, ?)' one group of markers per row
-- Parameters (positional), per row: the row id, then its column values in {{columns}} order.
-- Returns: nothing; error 1048 on `_version` when an id was taken.
INSERT INTO {{table}} (id, _version{{columns}})
VALUES {{rows}}
ON DUPLICATE KEY UPDATE _version = NULL
