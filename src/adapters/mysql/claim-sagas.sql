-- claim-sagas.sql: picks up to N sagas that a worker should drive (running or
-- compensating) whose lease is free or expired, of the definitions the worker
-- knows, and locks them; SKIP LOCKED passes over a saga another claimer or a
-- step's transaction holds, so two claimers never get the same one. The
-- caller then leases the picked ids (UPDATE) in the same transaction.
--
-- Placeholders:
--   {{sagas}}  `database`.`_ps_sagas` (allow-listed, backtick-quoted)
--   {{known}}  one `?` per known definition
-- Parameters (positional):
--   the known definitions as 'name@version', then the most sagas claimed
-- Returns: the picked ids.
SELECT id FROM {{sagas}}
WHERE state IN ('running', 'compensating')
  AND lease_until <= CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)
  AND CONCAT(name, '@', version) IN ({{known}})
ORDER BY lease_until, created_ms
LIMIT ?
FOR UPDATE SKIP LOCKED
