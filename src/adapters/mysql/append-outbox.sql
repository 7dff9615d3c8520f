-- append-outbox.sql: appends one change event to the outbox inside the caller's
-- transaction, after register-writer.sql gave the transaction its tx_no. seq is
-- AUTO_INCREMENT, so it grows within a transaction; (tx_no, seq) is the
-- event's final log position.
--
-- Placeholders:
--   {{outbox}}  `database`.`_ps_outbox` (allow-listed, backtick-quoted)
-- Parameters (positional):
--   1  the transaction's tx_no (decimal text)
--   2  entity name
--   3  record key
--   4  record version after the change
--   5  'create' | 'update' | 'delete'
--   6  the record after the change as JSON text, or null for a delete
-- Returns: one row, seq as decimal text.
INSERT INTO {{outbox}} (tx_no, entity, `key`, version, op, payload, committed_at)
VALUES (CAST(? AS UNSIGNED), ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))
RETURNING seq
