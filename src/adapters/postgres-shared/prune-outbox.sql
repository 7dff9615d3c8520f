-- prune-outbox.sql: deletes outbox events at or before a position that every
-- consumer has passed.
--
-- Placeholders:
--   {{schema}}  the home's schema (allow-listed, double-quoted)
-- Parameters:
--   $1  xid8    tx_id of the position
--   $2  bigint  seq of the position
-- Returns: one row with the number of events deleted.
WITH pruned AS (
  DELETE FROM {{schema}}."_ps_outbox"
  WHERE (tx_id, seq) <= ($1::xid8, $2::bigint)
  RETURNING 1
)
SELECT count(*)::bigint AS pruned FROM pruned
