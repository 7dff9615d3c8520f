-- read-outbox.sql: reads settled outbox events after a position, in log order.
-- Only events below the horizon of outbox-fence.sql, which must have run to
-- completion before this statement starts, are settled (see there why).
--
-- Placeholders:
--   {{outbox}}  `database`.`_ps_outbox` (allow-listed, backtick-quoted)
-- Parameters (positional, decimal text):
--   1  tx_no of the last position read ('0' to start from the beginning)
--   2  the same tx_no
--   3  seq of the last position read ('0' to start from the beginning)
--   4  the horizon
--   5  the most events to return
-- Returns: events in (tx_no, seq) order; committed_ms is epoch milliseconds.
SELECT o.tx_no, o.seq, o.entity, o.`key`, o.version, o.op, o.payload,
       TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', o.committed_at) DIV 1000 AS committed_ms
FROM {{outbox}} o
WHERE (o.tx_no > CAST(? AS UNSIGNED) OR (o.tx_no = CAST(? AS UNSIGNED) AND o.seq > CAST(? AS UNSIGNED)))
  AND o.tx_no < CAST(? AS UNSIGNED)
ORDER BY o.tx_no, o.seq
LIMIT ?
