-- set-checkpoint.sql: records how far a consumer has processed the log
-- (insert or overwrite; a consumer may move its checkpoint back to replay).
--
-- Placeholders:
--   {{checkpoints}}  `database`.`_ps_checkpoints` (allow-listed, backtick-quoted)
-- Parameters (positional):
--   1  consumer name
--   2  log position (opaque; ordered by plain string comparison)
-- Returns: nothing.
INSERT INTO {{checkpoints}} (consumer, position, updated_at)
VALUES (?, ?, UTC_TIMESTAMP(3))
ON DUPLICATE KEY UPDATE position = VALUES(position), updated_at = VALUES(updated_at)
