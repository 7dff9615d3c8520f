-- create-rows-routine.sql: a PL/pgSQL function per entity table that runs
-- insert-rows.sql and then settle-created-rows.sql, in one call: one round
-- trip per batch, and both statements planned once per session.
--
-- The function is VOLATILE, so under READ COMMITTED its second statement takes
-- a new snapshot, which sees the tombstone of any delete the inserts waited
-- for (settle-created-rows.sql explains why that is enough).
--
-- Placeholders (allow-listed identifiers and rendered statements; see ../sql-shared/sql-template.ts):
--   {{schema}}      the home's schema
--   {{routine}}     the function name (postgres-ddl.ts batchRoutineName)
--   {{argTypes}}    ', text[], text[]' ... one text array per column
--   {{insertRows}}  insert-rows.sql, rendered for the table
--   {{settleRows}}  settle-created-rows.sql, rendered for the table
-- Arguments: the parameters of insert-rows.sql ($1 ids, $2 entity name, $3… the
-- column arrays); settle-created-rows.sql reads $1 and $2 as well.
-- Returns: (o_id, o_version) of every row inserted, with the estimate, then of
-- every row whose version was corrected: a later row of an id wins. A taken or
-- repeated id fails the whole call with a unique violation (23505).
CREATE OR REPLACE FUNCTION {{schema}}.{{routine}}(
  text[], text{{argTypes}}
) RETURNS TABLE (o_id text, o_version bigint) VOLATILE LANGUAGE plpgsql AS $ps_routine$
#variable_conflict use_column
BEGIN
  RETURN QUERY {{insertRows}};
  RETURN QUERY {{settleRows}};
END
$ps_routine$
