-- append-outbox-many.sql: appends several change events to the outbox in one
-- statement, inside the caller's transaction, after register-writer.sql gave
-- the transaction its tx_no. InnoDB assigns seq (AUTO_INCREMENT) to the rows
-- in the order they are listed, so the events' positions (tx_no, seq)
-- increase in input order and follow every event the transaction appended before.
--
-- Placeholders:
--   {{outbox}}  `database`.`_ps_outbox` (allow-listed, backtick-quoted)
--   {{events}}  '(CAST(? AS UNSIGNED), ?, ?, ?, ?, ?, UTC_TIMESTAMP(3)), ...' one group per event
-- Parameters (positional), per event, as append-outbox.sql: the tx_no, entity
-- name, record key, version, op, and the payload as JSON text (null for a delete).
-- Returns: one row (seq as decimal text) per event.
INSERT INTO {{outbox}} (tx_no, entity, `key`, version, op, payload, committed_at)
VALUES {{events}}
RETURNING seq
