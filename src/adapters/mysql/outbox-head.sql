-- outbox-head.sql: the position of the newest settled outbox event, below the
-- horizon of outbox-fence.sql (which must have run to completion first).
--
-- Placeholders:
--   {{outbox}}  `database`.`_ps_outbox` (allow-listed, backtick-quoted)
-- Parameters (positional):
--   1  the horizon (decimal text)
-- Returns: zero or one row with tx_no and seq as decimal text.
SELECT o.tx_no, o.seq
FROM {{outbox}} o
WHERE o.tx_no < CAST(? AS UNSIGNED)
ORDER BY o.tx_no DESC, o.seq DESC
LIMIT 1
