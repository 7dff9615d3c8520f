-- clear-tombstones.sql: deletes the tombstones of the ids a batch just
-- inserted (insert-rows.sql) and returns their versions, so each of those rows
-- continues after its tombstone. clear-tombstone.sql, for several ids: it says
-- why no newer tombstone can appear and which locks this takes (here, taken
-- after every row of the batch).
--
-- Placeholders:
--   {{tombstones}}  `database`.`_ps_tombstones` (allow-listed, backtick-quoted)
--   {{ids}}         '?, ?, ?' one marker per id
-- Parameters (positional):
--   1   the entity name
--   2…  the row ids
-- Returns: one row (id, version) per tombstone cleared.
DELETE FROM {{tombstones}} WHERE entity = ? AND id IN ({{ids}})
RETURNING id, version
