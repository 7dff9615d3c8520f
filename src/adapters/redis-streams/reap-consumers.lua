-- reap-consumers.lua: deletes consumers of a group that hold no pending
-- entries and have been idle at least a given time (handles of closed or dead
-- workers). Checked and deleted in one step, so a consumer never loses an
-- entry it fetched in between; a live one deleted here is re-created by its
-- next read.
--
-- KEYS[1]   the stream
-- ARGV[1]   group
-- ARGV[2]   minimum idle time in ms
-- ARGV[3]   optional: only this consumer
-- Returns: how many consumers were deleted.
local deleted = 0
for _, fields in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local c = {}
  for i = 1, #fields, 2 do c[fields[i]] = fields[i + 1] end
  if c['pending'] == 0 and c['idle'] >= tonumber(ARGV[2]) and (ARGV[3] == nil or ARGV[3] == c['name']) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], c['name'])
    deleted = deleted + 1
  end
end
return deleted
