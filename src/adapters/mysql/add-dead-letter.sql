-- add-dead-letter.sql: stores an event a projector gave up on, stamped with the
-- server's clock, and returns it as stored.
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
RETURNING id, consumer, event, attempts, error, failed_at
