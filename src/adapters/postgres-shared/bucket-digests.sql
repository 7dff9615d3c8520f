-- bucket-digests.sql: per hash bucket of the live rows' ids, how many rows it
-- holds and the sum of their contributions, in one pass over the table (md5
-- once per row). The hash is defined in src/contracts/bucket-digest.ts;
-- JavaScript, MariaDB (../mysql/bucket-digests.sql) and the Redis apply script
-- compute the same numbers: bucket = the md5's first $1 bits; contribution =
-- (a + (version mod 2^32) * m) mod 2^32 with a = hex characters 9-16 and
-- m = 2 * (hex characters 17-21) + 1.
--
-- Placeholders (allow-listed, double-quoted identifiers):
--   {{relation}}  the entity table, "schema"."table"
-- Parameters:
--   $1  int  bits, 1 to 32
-- Returns: one row per bucket holding live rows: bucket, n, total (sum is numeric: exact).
-- OFFSET 0 keeps the subquery from being pulled up: otherwise md5 is computed
-- once per use of h (four times a row), which made the query 1.6x slower.
SELECT (('x' || substr(h, 1, 8))::bit(32)::bigint >> (32 - $1::int)) AS bucket,
       count(*) AS n,
       sum((('x' || substr(h, 9, 8))::bit(32)::bigint
            + (_version % 4294967296) * (2 * ('x' || substr(h, 17, 5))::bit(20)::bigint + 1)) % 4294967296) AS total
FROM (SELECT md5(id) AS h, _version FROM {{relation}} OFFSET 0) AS r
GROUP BY 1
