-- record-saga-step.sql: the fenced update of a saga's row; the step rows are
-- written after it (upsert-saga-steps.sql) only when it changed one row. Run
-- inside a home step's transaction, its row lock keeps claimers off the saga
-- until the step's writes commit with this record.
--
-- Placeholders:
--   {{sagas}}  `database`.`_ps_sagas` (allow-listed, backtick-quoted)
-- Parameters (positional):
--   1  new state
--   2  step index
--   3  attempts
--   4  error (null for none)
--   5  drop the lease (1: the saga ended or waits for a person)
--   6  lease extension in ms
--   7  saga id
--   8  worker holding the lease
-- Returns: affected rows 1 when recorded, 0 when the lease was lost.
UPDATE {{sagas}}
SET state = ?, step_index = ?, attempts = ?, error = ?,
    owner = IF(? = 1, NULL, owner),
    lease_until = IF(owner IS NULL, 0, CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED) + ?),
    updated_ms = CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)
WHERE id = ? AND owner = ? AND lease_until > CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)
