--[[
  begin-rebuild.lua: records that the store lost its data and that its views
  are being rebuilt under a new loss id, unless another process already did
  (then that process's record stands, and the caller joins its rebuild).

  Input:
    KEYS[1]   the store's epoch marker (see redis-epoch.ts)
    ARGV[1]   a fresh loss id

  Output: the marker's value afterwards: "rebuilding:<ARGV[1]>", or whatever
  another process set first.
]]

local current = redis.call('GET', KEYS[1])
if current then
  return current
end
local value = 'rebuilding:' .. ARGV[1]
redis.call('SET', KEYS[1], value)
return value
