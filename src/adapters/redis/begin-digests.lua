--[[
  begin-digests.lua: starts building a scope's bucket digests from its entries
  (see redis-digests.ts), unless they are being built or valid already. From
  here on every apply keeps them (apply-if-newer.lua) and records the keys it
  counted, so count-digests.lua counts each entry the applies did not.

  Input:
    KEYS[1]   the scope's digests, a hash
    KEYS[2]   the keys counted while building, a set
    KEYS[3]   the store's set of digest hashes (begin-rebuild.lua drops them all)

  Output: the state afterwards: "building" or "valid".
]]

local state = redis.call('HGET', KEYS[1], 'state')
if state then
  return state
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'state', 'building')
redis.call('SADD', KEYS[3], KEYS[1])
return 'building'
