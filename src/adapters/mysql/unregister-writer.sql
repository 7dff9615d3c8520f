-- unregister-writer.sql: ends the calling connection's registration as an outbox
-- writer. Runs only after COMMIT or ROLLBACK has returned, never before: a
-- reader that finds the row gone relies on the events being visible already
-- (outbox-fence.sql).
--
-- Placeholders:
--   {{writers}}  `database`.`_ps_outbox_writers` (allow-listed, backtick-quoted)
-- Parameters: none.
-- Returns: nothing.
DELETE FROM {{writers}} WHERE conn_id = CONNECTION_ID()
