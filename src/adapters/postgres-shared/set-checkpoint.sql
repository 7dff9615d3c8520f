-- set-checkpoint.sql: records how far a consumer has processed the log
-- (insert or overwrite; a consumer may move its checkpoint back to replay).
--
-- Placeholders:
--   {{schema}}  the home's schema (allow-listed, double-quoted)
-- Parameters:
--   $1  text  consumer name
--   $2  text  log position (opaque; ordered by plain string comparison)
-- Returns: nothing.
INSERT INTO {{schema}}."_ps_checkpoints" (consumer, position, updated_at)
VALUES ($1::text, $2::text, clock_timestamp())
ON CONFLICT (consumer) DO UPDATE
SET position = excluded.position, updated_at = excluded.updated_at
