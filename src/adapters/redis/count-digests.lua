--[[
  count-digests.lua: counts one SCAN page of a scope's entries into its
  digests while they are built (begin-digests.lua): each key not counted yet
  (not in KEYS[3]) is added to KEYS[3] and, if it holds a live versioned
  entry, its contribution at the version it holds now is added (the layout
  and formula of apply-if-newer.lua). A key an apply counted first is
  skipped, as is one SCAN returned twice.

  Input:
    KEYS[1]        the scope's digest state
    KEYS[2]        the scope's digest values, a hash: bucket -> value
    KEYS[3]        the keys counted while building, a set
    KEYS[4..n+3]   entry keys
    ARGV[1]        the first 21 hex characters of md5 of each entry's id, one
                   after the other (for KEYS[i], characters 21*(i-4)+1 on)

  Output: 1; 2 when another build finished meanwhile (the digests are
  valid); 0 when they were dropped meanwhile (by a TTL apply, dropScope or a
  data loss). The build stops on either.
]]

local state = redis.call('GET', KEYS[1])
if state ~= 'building' then
  return state == 'valid' and 2 or 0
end
local TWO_32 = 4294967296
local deltas = {}
for i = 4, #KEYS do
  local key = KEYS[i]
  if redis.call('SADD', KEYS[3], key) == 1 then
    local head = redis.call('GETRANGE', key, 0, 31)
    local digits = string.match(head, '^#([^|]+)|')
    if digits and #head > #digits + 2 then
      local at = 21 * (i - 4)
      local bucket = tonumber(string.sub(ARGV[1], at + 1, at + 4), 16)
      local a = tonumber(string.sub(ARGV[1], at + 9, at + 16), 16)
      local m = 2 * tonumber(string.sub(ARGV[1], at + 17, at + 21), 16) + 1
      deltas[bucket] = (deltas[bucket] or 0) + TWO_32 + (a + (tonumber(digits) % TWO_32) * m) % TWO_32
    end
  end
end
for bucket, delta in pairs(deltas) do
  redis.call('HINCRBY', KEYS[2], bucket, delta)
end
return 1
