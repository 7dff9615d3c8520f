-- update-row.sql: replaces a row's data if it still has the expected version
-- (optimistic concurrency) and bumps the version, in one statement.
--
-- Under READ COMMITTED an UPDATE that finds the row locked by a concurrent
-- writer waits for it, then re-checks the newest version of the row. Why
-- nothing matched is asked afterwards (current-version.sql), never from this
-- statement's snapshot, which may still show the version the caller expected.
--
-- Placeholders (allow-listed, double-quoted identifiers; see ../sql-shared/sql-template.ts):
--   {{schema}}       the home's schema
--   {{table}}        the entity table
--   {{assignments}}  '"col_a" = $3::text, "col_b" = $4::bigint' or 'doc = $3::jsonb'
-- Parameters:
--   $1  text    the row id
--   $2  bigint  the version the caller expects
--   $3… the column values, in {{assignments}} order
-- Returns: one row (new_version) when updated; none when the row is absent or at another version.
UPDATE {{schema}}.{{table}}
SET {{assignments}}, _version = _version + 1
WHERE id = $1::text AND _version = $2::bigint
RETURNING _version AS new_version
