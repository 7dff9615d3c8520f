-- prune-outbox.sql: deletes outbox events at or before a position that every
-- consumer has passed.
--
-- Placeholders:
--   {{outbox}}  `database`.`_ps_outbox` (allow-listed, backtick-quoted)
-- Parameters (positional, decimal text):
--   1  tx_no of the position
--   2  the same tx_no
--   3  seq of the position
-- Returns: affectedRows, the number of events deleted.
DELETE FROM {{outbox}}
WHERE tx_no < CAST(? AS UNSIGNED) OR (tx_no = CAST(? AS UNSIGNED) AND seq <= CAST(? AS UNSIGNED))
