-- fence-writes.sql: the function behind the triggers that refuse writes to a
-- moved home (fenceWrites). A statement-level BEFORE trigger on the outbox and
-- on each entity table calls it; it raises SQLSTATE PSHM1, which the home maps
-- to PS_ERR_HOME_MOVED, with the new home's location (state key `home/moved`,
-- written in the same transaction as the triggers) as the message.
--
-- Placeholders:
--   {{schema}}  the home's schema (allow-listed, double-quoted)
CREATE OR REPLACE FUNCTION {{schema}}."_ps_refuse_moved"() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION USING
    ERRCODE = 'PSHM1',
    MESSAGE = coalesce(
      (SELECT s.value->>'movedTo' FROM {{schema}}."_ps_state" s WHERE s.key = 'home/moved'),
      'another home'
    );
END
$fn$
