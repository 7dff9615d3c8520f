-- add-dead-letter.sql: stores an event a projector gave up on, one letter per
-- consumer and event: adding the same event again (redelivered after a crash,
-- or by a duplicating broker) keeps the letter and its id, and records the
-- latest attempts, error and time. The unique index `_ps_dead_letters_event`
-- (postgres-ddl.ts) is what makes this atomic between workers.
--
-- Placeholders:
--   {{schema}}  the home's schema (allow-listed, double-quoted)
-- Parameters:
--   $1  text   consumer name
--   $2  jsonb  the event (its eventId identifies it)
--   $3  int    attempts
--   $4  text   the last error (secret-free text)
-- Returns: the letter as stored.
INSERT INTO {{schema}}."_ps_dead_letters" AS d (consumer, event, attempts, error, failed_at)
VALUES ($1::text, $2::jsonb, $3::int, $4::text, clock_timestamp())
ON CONFLICT (consumer, (event->>'eventId')) DO UPDATE
  SET event = excluded.event, attempts = excluded.attempts, error = excluded.error, failed_at = excluded.failed_at
RETURNING d.id::text AS id, d.consumer, d.event, d.attempts, d.error, d.failed_at
