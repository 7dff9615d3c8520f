-- bucket-tombstones.sql: the tombstones (id, delete version) of one entity
-- whose id hashes into one of the given buckets (see bucket-rows.sql): where
-- a view's entry for an id the home deleted is found.
--
-- Placeholders:
--   {{tombstones}}  `database`.`_ps_tombstones` (allow-listed, backtick-quoted)
-- Parameters (positional):
--   1  the entity
--   2  bits, 1 to 32
--   3  the buckets, a JSON array of numbers
-- Returns: id, version, in no particular order.
SELECT id, version
FROM {{tombstones}}
WHERE entity = ?
  AND CAST(CONV(SUBSTRING(MD5(id), 1, 8), 16, 10) AS UNSIGNED) >> (32 - ?)
    IN (SELECT b FROM JSON_TABLE(?, '$[*]' COLUMNS (b BIGINT UNSIGNED PATH '$')) AS j)
