--[[
  begin-digests.lua: starts building a scope's bucket digests from its entries
  (see redis-digests.ts), unless they are being built or valid already. From
  here on every apply keeps them (apply-if-newer.lua) and records the keys it
  counted, so count-digests.lua counts each entry the applies did not.

  Input:
    KEYS[1]   the scope's digest state
    KEYS[2]   the scope's digests
    KEYS[3]   the keys counted while building, a set
    KEYS[4]   the store's set of scopes' digest keys (begin-rebuild.lua drops them all)

  Output: the state afterwards: "building" or "valid".
]]

local state = redis.call('GET', KEYS[1])
if state then
  return state
end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('SET', KEYS[1], 'building')
redis.call('SADD', KEYS[4], KEYS[2])
return 'building'
