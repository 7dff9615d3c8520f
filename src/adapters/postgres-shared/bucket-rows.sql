-- bucket-rows.sql: the live rows (id, version) whose id hashes into one of
-- the given buckets (bucket-digests.sql says how a bucket is computed): the
-- ids behind buckets whose digests differ. One pass over the table.
--
-- Placeholders (allow-listed, double-quoted identifiers):
--   {{relation}}  the entity table, "schema"."table"
-- Parameters:
--   $1  int       bits, 1 to 32
--   $2  bigint[]  the buckets
-- Returns: id, _version, in no particular order.
SELECT id, _version
FROM {{relation}}
WHERE (('x' || substr(md5(id), 1, 8))::bit(32)::bigint >> (32 - $1::int)) = ANY($2::bigint[])
