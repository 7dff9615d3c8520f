--[[
  begin-rebuild.lua: records that the store lost its data and that its views
  are being rebuilt under a new loss id, unless another process already did
  (then that process's record stands, and the caller joins its rebuild).
  Recording a loss also drops every scope's bucket digests (the set KEYS[2]
  lists their keys; the state and counted keys are named after them): after a loss they may count entries that are gone, and a
  check rebuilds them from the entries that are there.

  Input:
    KEYS[1]   the store's epoch marker (see redis-epoch.ts)
    KEYS[2]   the store's set of digest hashes (see redis-digests.ts)
    ARGV[1]   a fresh loss id

  Output: the marker's value afterwards: "rebuilding:<ARGV[1]>", or whatever
  another process set first.
]]

local current = redis.call('GET', KEYS[1])
if current then
  return current
end
for _, digests in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  redis.call('DEL', digests, digests .. ':state', digests .. ':counted')
end
redis.call('DEL', KEYS[2])
local value = 'rebuilding:' .. ARGV[1]
redis.call('SET', KEYS[1], value)
return value
