-- add-dead-letter.sql: stores an event a projector gave up on, stamped with the
-- server's clock, and returns it as stored. One letter per consumer and event:
-- adding the same event again (redelivered after a crash, or by a duplicating
-- broker) keeps the letter and its id, and records the latest attempts, error
-- and time. The unique key `_ps_dead_letters_event` (mysql-ddl.ts) makes this
-- atomic between workers.
--
-- Placeholders:
--   {{deadLetters}}  `database`.`_ps_dead_letters` (allow-listed, backtick-quoted)
-- Parameters (positional):
--   1  consumer name
--   2  the event as JSON text
--   3  attempts
--   4  the last error (secret-free text)
-- Returns: the stored row (id as decimal text, failed_at as DATETIME text in UTC).
INSERT INTO {{deadLetters}} (consumer, event, attempts, error, failed_at)
VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))
ON DUPLICATE KEY UPDATE
  event = VALUE(event), attempts = VALUE(attempts), error = VALUE(error), failed_at = VALUE(failed_at)
RETURNING id, consumer, event, attempts, error, failed_at
