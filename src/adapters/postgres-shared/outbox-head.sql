-- outbox-head.sql: the position of the newest settled outbox event (see
-- read-outbox.sql for why only transactions below the snapshot's xmin count).
--
-- Placeholders:
--   {{schema}}  the home's schema (allow-listed, double-quoted)
-- Parameters: none.
-- Returns: zero or one row with tx_id and seq as decimal text.
-- Columns are qualified so ORDER BY uses the xid8/bigint columns, not the text aliases.
SELECT o.tx_id::text AS tx_id, o.seq::text AS seq
FROM {{schema}}."_ps_outbox" o
WHERE o.tx_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY o.tx_id DESC, o.seq DESC
LIMIT 1
