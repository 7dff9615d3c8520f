-- insert-row.sql: inserts a new entity row whose version continues after the
-- tombstone left by an earlier delete of the same id (or starts at 1).
--
-- Under REPEATABLE READ an INSERT ... SELECT reads its source (the tombstone)
-- with a shared lock, i.e. the newest committed version, not the transaction's
-- snapshot. The caller deletes the tombstone afterwards (same transaction) when
-- the returned version shows there was one (version > 1).
--
-- Placeholders (allow-listed, backtick-quoted identifiers; see mysql-sql.ts):
--   {{table}}       the entity table, `database`.`table`
--   {{tombstones}}  `database`.`_ps_tombstones`
--   {{columns}}     ', `col_a`, `col_b`' (relational) or ', doc' (document)
--   {{values}}      ', ?, ?' one marker per column
-- Parameters (positional):
--   1   the row id
--   2   the entity name (tombstones are keyed by entity, not table)
--   3   the row id again
--   4…  the column values, in {{columns}} order
-- Returns: one row (_version). A taken id fails with ER_DUP_ENTRY (1062).
INSERT INTO {{table}} (id, _version{{columns}})
SELECT ?,
       COALESCE((SELECT t.version FROM {{tombstones}} t WHERE t.entity = ? AND t.id = ?), 0) + 1{{values}}
RETURNING _version
