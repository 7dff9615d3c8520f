--[[
  finish-digests.lua: marks a scope's digests valid once a whole SCAN of the
  scope has been counted (count-digests.lua): every entry that stayed in the
  scope throughout was returned by it, and every entry written meanwhile was
  counted by its apply. The set of counted keys is no longer needed.

  Input:
    KEYS[1]   the scope's digest state
    KEYS[2]   the keys counted while building, a set

  Output: the state afterwards: "valid", or "" when the digests were dropped
  meanwhile (the build proves nothing).
]]

local state = redis.call('GET', KEYS[1])
if state == 'building' then
  redis.call('SET', KEYS[1], 'valid')
  redis.call('DEL', KEYS[2])
  return 'valid'
end
return state or ''
