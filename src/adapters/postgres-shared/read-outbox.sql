-- read-outbox.sql: reads settled outbox events after a position, in log order.
--
-- Why not just ORDER BY seq: sequence values are handed out when a row is
-- inserted, not when its transaction commits. If transaction A takes seq 5,
-- B takes seq 6 and commits first, a reader that sees 6 and checkpoints it
-- would skip 5 forever once A commits.
--
-- Instead the log order is (tx_id, seq), where tx_id is the writing
-- transaction's 64-bit id (xid8), and a reader only returns rows of
-- transactions older than the xmin of its own snapshot: every transaction
-- with an id below xmin has finished (committed or rolled back), and a
-- transaction still running, or one that starts later, has an id >= xmin.
-- So any row that becomes visible later sorts after every row returned now,
-- and a consumer that resumes after the last position it saw misses nothing.
-- The cost: one long-running transaction anywhere in the cluster holds back
-- newer events until it ends (they are delayed, never lost). xid8 does not
-- wrap around, so the order holds for the life of the cluster.
--
-- Placeholders:
--   {{schema}}  the home's schema (allow-listed, double-quoted)
-- Parameters:
--   $1  xid8    tx_id of the last position read ('0' to start from the beginning)
--   $2  bigint  seq of the last position read ('0' to start from the beginning)
--   $3  bigint  the most events to return
-- Returns: events in (tx_id, seq) order; committed_ms is epoch milliseconds.
-- (Columns are qualified with o. because the text aliases in the select list
-- would otherwise win in ORDER BY and sort '10000' before '9999'.)
SELECT o.tx_id::text AS tx_id,
       o.seq::text AS seq,
       o.entity,
       o.key,
       o.version,
       o.op,
       o.payload,
       floor(extract(epoch FROM o.committed_at) * 1000)::float8 AS committed_ms
FROM {{schema}}."_ps_outbox" o
WHERE (o.tx_id, o.seq) > ($1::xid8, $2::bigint)
  AND o.tx_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY o.tx_id, o.seq
LIMIT $3::bigint
