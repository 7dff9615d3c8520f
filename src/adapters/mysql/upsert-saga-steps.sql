-- upsert-saga-steps.sql: writes a saga's step rows (insert, or replace the
-- status, attempts, result and error of the row of that step and phase).
-- Runs only after record-saga-step.sql recorded the saga under its lease.
--
-- Placeholders:
--   {{steps}}   `database`.`_ps_saga_steps` (allow-listed, backtick-quoted)
--   {{values}}  one `(?, ?, ?, ?, ?, ?, ?, ?, NOW_MS, NOW_MS)` group per row (repeatGroup)
-- Parameters (positional, per row):
--   saga id, step index, phase, step name, status, attempts, result (JSON text or null), error
-- Returns: nothing.
INSERT INTO {{steps}} (saga_id, step_index, phase, step, status, attempts, result, error, started_ms, updated_ms)
VALUES {{values}}
ON DUPLICATE KEY UPDATE status = VALUES(status), attempts = VALUES(attempts), result = VALUES(result),
  error = VALUES(error), updated_ms = VALUES(updated_ms)
