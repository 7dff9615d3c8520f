-- settle-created-rows.sql: run right after insert-row.sql or insert-rows.sql,
-- in the same transaction, as a statement of its own: deletes the tombstones
-- of the ids just inserted and sets each such row's version one above its
-- tombstone, so a re-created id always continues after its newest delete.
--
-- Why this is right under concurrency (READ COMMITTED): the insert only went
-- ahead once every transaction deleting an earlier row of the id had
-- committed (it waited on the unique index), so this statement's snapshot,
-- taken after the insert, sees every tombstone those deletes wrote. No newer
-- tombstone can appear meanwhile: the inserted row is not yet visible to any
-- other transaction, so nothing else can delete it. Where the insert's
-- estimate was right (no concurrent delete) the UPDATE matches nothing.
--
-- Placeholders (allow-listed, double-quoted identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}  the home's schema
--   {{table}}   the entity table
-- Parameters:
--   $1  text[]  the inserted ids
--   $2  text    the entity name
-- Returns: one row (id, _version) per row whose version was corrected.
WITH cleared AS (
  DELETE FROM {{schema}}."_ps_tombstones" t
  WHERE t.entity = $2::text AND t.id = ANY($1::text[])
  RETURNING t.id, t.version
)
UPDATE {{schema}}.{{table}} r
SET _version = c.version + 1
FROM cleared c
WHERE r.id = c.id AND r._version <> c.version + 1
RETURNING r.id, r._version
