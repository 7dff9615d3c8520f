-- reap-writers.sql: deletes registrations whose connection has ended (its
-- writer lock is free) without unregistering, e.g. a client killed mid
-- transaction. A live writer holds its lock from the statement that registered
-- it (register-writer.sql) until its connection closes, so only dead rows go;
-- their transactions have committed or rolled back.
--
-- Placeholders:
--   {{writers}}  `database`.`_ps_outbox_writers` (allow-listed, backtick-quoted)
-- Parameters: none.
-- Returns: nothing.
DELETE FROM {{writers}}
WHERE NOT (IS_USED_LOCK(CONCAT('polystore.writer.', conn_id)) <=> conn_id)
