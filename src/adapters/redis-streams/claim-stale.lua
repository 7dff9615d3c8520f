-- claim-stale.lua: takes over entries another consumer of the group fetched
-- and has not acked for at least the idle time (a dead or stuck worker, or a
-- handle that released them on close), with their delivery counts.
--
-- KEYS[1]   the stream
-- ARGV[1]   group
-- ARGV[2]   consumer taking the entries
-- ARGV[3]   minimum idle time in ms
-- ARGV[4]   scan cursor ('0-0' starts a new scan of the pending list)
-- ARGV[5]   most entries to claim
-- Returns: { next cursor ('0-0' when the scan is complete),
--            { { entry id, { field, value, ... }, delivery count }, ... } }
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local out = {}
for _, entry in ipairs(claimed[2]) do
  -- XAUTOCLAIM has just counted this delivery; XPENDING reads the count back.
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)
  local deliveries = 1
  if pending[1] then deliveries = pending[1][4] end
  out[#out + 1] = { entry[1], entry[2], deliveries }
end
return { claimed[1], out }
