-- insert-row.sql: inserts a new entity row, its version estimated from the
-- tombstone an earlier delete of the same id left (or 1). Always followed, in
-- the same transaction, by settle-created-rows.sql, which clears the tombstone
-- and corrects the version.
--
-- Why one statement cannot do both: under READ COMMITTED the tombstone is read
-- with this statement's snapshot. When a concurrent transaction is deleting
-- the id's previous row, the insert waits on the unique index until that
-- transaction commits and then goes ahead, but the tombstone the delete wrote
-- is newer than the snapshot: the estimate misses it (and a CTE deleting it
-- would not see it either). A later statement takes a new snapshot that does.
--
-- Placeholders (allow-listed, double-quoted identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}   the home's schema
--   {{table}}    the entity table
--   {{columns}}  ', "col_a", "col_b"' (relational) or ', doc' (document)
--   {{values}}   ', $3::text, $4::bigint' ... the casts of the values below
-- Parameters:
--   $1  text  the row id
--   $2  text  the entity name (tombstones are keyed by entity, not table)
--   $3… the column values, in {{columns}} order
-- Returns: one row (_version, the estimate) when inserted; no row when the id already exists.
INSERT INTO {{schema}}.{{table}} (id, _version{{columns}})
SELECT $1::text,
       COALESCE((SELECT t.version FROM {{schema}}."_ps_tombstones" t
                 WHERE t.entity = $2::text AND t.id = $1::text), 0) + 1{{values}}
ON CONFLICT (id) DO NOTHING
RETURNING _version
