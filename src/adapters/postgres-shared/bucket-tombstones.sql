-- bucket-tombstones.sql: the tombstones (id, delete version) of one entity
-- whose id hashes into one of the given buckets (see bucket-rows.sql): where
-- a view's entry for an id the home deleted is found.
--
-- Placeholders (allow-listed, double-quoted identifiers):
--   {{schema}}  the home's schema
-- Parameters:
--   $1  int       bits, 1 to 32
--   $2  bigint[]  the buckets
--   $3  text      the entity
-- Returns: id, version, in no particular order.
SELECT id, version
FROM {{schema}}."_ps_tombstones"
WHERE entity = $3::text
  AND (('x' || substr(md5(id), 1, 8))::bit(32)::bigint >> (32 - $1::int)) = ANY($2::bigint[])
