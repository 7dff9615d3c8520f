-- bucket-rows.sql: the live rows (id, version) whose id hashes into one of
-- the given buckets (bucket-digests.sql): the ids behind buckets whose
-- digests differ. One pass over the table; the buckets travel as one JSON
-- array, so any number of them is one statement.
--
-- Placeholders:
--   {{relation}}  `database`.`table` (allow-listed, backtick-quoted)
-- Parameters (positional):
--   1  bits, 1 to 32
--   2  the buckets, a JSON array of numbers
-- Returns: id, _version, in no particular order.
SELECT id, _version
FROM {{relation}}
WHERE CAST(CONV(SUBSTRING(MD5(id), 1, 8), 16, 10) AS UNSIGNED) >> (32 - ?)
  IN (SELECT b FROM JSON_TABLE(?, '$[*]' COLUMNS (b BIGINT UNSIGNED PATH '$')) AS j)
