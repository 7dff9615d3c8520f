--[[
  count-digests.lua: counts one SCAN page of a scope's entries into its
  digests while they are built (begin-digests.lua): each key not counted yet
  (not in KEYS[2]) is added to KEYS[2] and, if it holds a live versioned
  entry, its contribution at the version it holds now is added (the formula
  of apply-if-newer.lua). A key an apply counted first is skipped, as is one
  SCAN returned twice.

  Input:
    KEYS[1]        the scope's digests, a hash
    KEYS[2]        the keys counted while building, a set
    KEYS[3..n+2]   entry keys
    ARGV[1..n]     md5 of each entry's id, as hex (ARGV[i-2] for KEYS[i])

  Output: 1, or 0 when the digests are no longer being built (dropped by a
  TTL apply, dropScope or a data loss): the build stops.
]]

if redis.call('HGET', KEYS[1], 'state') ~= 'building' then
  return 0
end
local TWO_32 = 4294967296
local counts = {}
local sums = {}
for i = 3, #KEYS do
  local key = KEYS[i]
  if redis.call('SADD', KEYS[2], key) == 1 then
    local head = redis.call('GETRANGE', key, 0, 31)
    local digits = string.match(head, '^#([^|]+)|')
    if digits and #head > #digits + 2 then
      local hex = ARGV[i - 2]
      local bucket = tonumber(string.sub(hex, 1, 4), 16)
      local a = tonumber(string.sub(hex, 9, 16), 16)
      local m = 2 * tonumber(string.sub(hex, 17, 21), 16) + 1
      counts[bucket] = (counts[bucket] or 0) + 1
      sums[bucket] = (sums[bucket] or 0) + (a + (tonumber(digits) % TWO_32) * m) % TWO_32
    end
  end
end
for bucket, dc in pairs(counts) do
  redis.call('HINCRBY', KEYS[1], 'c' .. bucket, string.format('%.0f', dc))
  redis.call('HINCRBY', KEYS[1], 's' .. bucket, string.format('%.0f', sums[bucket]))
end
return 1
