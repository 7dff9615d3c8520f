-- tombstone.sql: records (or raises) the tombstone of a deleted row.
--
-- Placeholders:
--   {{tombstones}}  `database`.`_ps_tombstones` (allow-listed, backtick-quoted)
-- Parameters (positional):
--   1  the entity name
--   2  the row id
--   3  the tombstone version (the deleted row's version + 1)
-- Returns: nothing.
INSERT INTO {{tombstones}} (entity, id, version)
VALUES (?, ?, ?)
ON DUPLICATE KEY UPDATE version = VALUES(version)
