-- register-writer.sql: makes the calling transaction an outbox writer before its
-- first event and hands it its transaction number, in one statement, under
-- the MEMORY table's write lock (outbox-fence.sql explains the ordering).
--
--   * GET_LOCK takes 'polystore.writer.<connection id>' unless this connection
--     holds it already. The lock is never released: it survives COMMIT and
--     ROLLBACK and lives as long as the connection, so a reader can tell a row
--     whose connection died (lock free) from a live writer's.
--   * NEXTVAL draws tx_no from the SEQUENCE: outside transactions (a rollback
--     does not return it), never handed out twice, increasing in the order
--     drawn, and continued (not restarted) after a server restart.
--   * The row (conn_id, tx_no) appears in the writers table.
-- conn_id is NOT NULL, so a lock that cannot be taken fails the statement.
-- REPLACE drops a leftover row of this same connection, whose transaction has
-- necessarily ended (a connection runs one transaction at a time).
--
-- Placeholders (allow-listed, backtick-quoted):
--   {{writers}}   `database`.`_ps_outbox_writers`
--   {{sequence}}  `database`.`_ps_outbox_tx`
-- Parameters: none.
-- Returns: one row, tx_no as decimal text.
REPLACE INTO {{writers}} (conn_id, tx_no)
VALUES (
  IF(IS_USED_LOCK(CONCAT('polystore.writer.', CONNECTION_ID())) <=> CONNECTION_ID()
       OR GET_LOCK(CONCAT('polystore.writer.', CONNECTION_ID()), 0) = 1,
     CONNECTION_ID(), NULL),
  NEXTVAL({{sequence}})
)
RETURNING tx_no
