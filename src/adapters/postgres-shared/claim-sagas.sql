-- claim-sagas.sql: leases up to $3 sagas that a worker should drive (running
-- or compensating) whose lease is free or expired, of the definitions the
-- worker knows, by the home's clock. SKIP LOCKED: a saga another claimer or a
-- step's transaction holds is passed over, so two claimers never get the same one.
--
-- Placeholders:
--   {{schema}}  the home's schema (allow-listed, double-quoted)
-- Parameters:
--   $1  text    worker (the new owner)
--   $2  bigint  lease length in ms
--   $3  int     most sagas claimed
--   $4  text[]  known definitions as 'name@version'
-- Returns: the claimed sagas' rows (every column, times in ms).
WITH picked AS (
  SELECT s.id FROM {{schema}}."_ps_sagas" s
  WHERE s.state IN ('running', 'compensating')
    AND s.lease_until <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint
    AND (s.name || '@' || s.version) = ANY($4::text[])
  ORDER BY s.lease_until, s.created_ms
  LIMIT $3::int
  FOR UPDATE OF s SKIP LOCKED
)
UPDATE {{schema}}."_ps_sagas" s
SET owner = $1::text,
    lease_until = (extract(epoch FROM clock_timestamp()) * 1000)::bigint + $2::bigint,
    updated_ms = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
FROM picked
WHERE s.id = picked.id
RETURNING s.id, s.name, s.version, s.state, s.input, s.step_index, s.owner, s.lease_until, s.attempts,
  s.error, s.cancelling, s.created_ms, s.updated_ms
