--[[
  finish-rebuild.lua: records that the views of the store were rebuilt after
  the loss ARGV[1], if the marker still says that rebuild is under way. If the
  marker is gone, the server lost its data again during the rebuild (which
  then proves nothing); if it names another loss, a newer loss was found.

  Input:
    KEYS[1]   the store's epoch marker (see redis-epoch.ts)
    ARGV[1]   the loss id the rebuild answered

  Output: the marker's value afterwards: "ok:<ARGV[1]>" when recorded (or
  already recorded by another process), else its current value ("" when absent).
]]

local current = redis.call('GET', KEYS[1])
local rebuilding = 'rebuilding:' .. ARGV[1]
if current == rebuilding then
  redis.call('SET', KEYS[1], 'ok:' .. ARGV[1])
  return 'ok:' .. ARGV[1]
end
return current or ''
