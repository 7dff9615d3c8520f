-- record-saga-step.sql: records a saga's progress, fenced by its lease: the
-- saga row is updated only while $2 holds an unexpired lease (extended by
-- $3 ms, or dropped with $9), and the step rows are written only if it was.
-- Run inside a home step's transaction, the row lock it takes keeps
-- claimers off the saga until the step's writes commit with this record.
--
-- Placeholders:
--   {{schema}}  the home's schema (allow-listed, double-quoted)
-- Parameters:
--   $1  text    saga id
--   $2  text    worker holding the lease
--   $3  bigint  lease extension in ms
--   $4  text    new state
--   $5  int     step index
--   $6  int     attempts
--   $7  text    error (null for none)
--   $8  jsonb   step rows: [{step_index, phase, step, status, attempts, result, error}]
--   $9  bool    drop the lease (the saga ended or waits for a person)
-- Returns: one row, fenced = 1 when recorded, 0 when the lease was lost (nothing written);
-- when recorded, the saga row's columns as the write left them (times in ms).
WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms),
saga AS (
  UPDATE {{schema}}."_ps_sagas" s
  SET state = $4::text, step_index = $5::int, attempts = $6::int, error = $7::text,
      owner = CASE WHEN $9::bool THEN NULL ELSE s.owner END,
      lease_until = CASE WHEN $9::bool THEN 0 ELSE now.ms + $3::bigint END,
      updated_ms = now.ms
  FROM now
  WHERE s.id = $1::text AND s.owner = $2::text AND s.lease_until > now.ms
  RETURNING s.id, s.name, s.version, s.state, s.input, s.step_index, s.owner, s.lease_until, s.attempts,
    s.error, s.cancelling, s.created_ms, s.updated_ms
),
steps AS (
  INSERT INTO {{schema}}."_ps_saga_steps" AS t
    (saga_id, step_index, phase, step, status, attempts, result, error, started_ms, updated_ms)
  SELECT saga.id, x.step_index, x.phase, x.step, x.status, x.attempts, x.result, x.error, now.ms, now.ms
  FROM saga, now,
    jsonb_to_recordset($8::jsonb) AS x(step_index int, phase text, step text, status text, attempts int, result jsonb, error text)
  ON CONFLICT (saga_id, step_index, phase) DO UPDATE
  SET status = excluded.status, attempts = excluded.attempts, result = excluded.result, error = excluded.error,
      updated_ms = excluded.updated_ms
  RETURNING 1
)
SELECT (SELECT count(*) FROM saga)::int AS fenced, (SELECT count(*) FROM steps)::int AS written, saga.*
FROM (SELECT 1) AS one LEFT JOIN saga ON true
