--[[
  apply-if-newer.lua: applies one batch of version-guarded changes of one
  scope, and keeps the scope's bucket digests up to date. Redis runs the
  script without interleaving any other command, so the read-compare-write of
  every key, and its digest update, is atomic with respect to other clients.

  Input:
    KEYS[1]         the store's epoch marker (see redis-epoch.ts), read, never written
    KEYS[2]         the scope's digest state (see redis-digests.ts)
    KEYS[3]         the scope's digest values, a hash: bucket -> value
    KEYS[4]         the entry keys counted in the digests while they are built, a set
    KEYS[5..n+4]    entry keys, `${keyPrefix}${scope}:${key}`
    ARGV[1]         scope TTL in whole milliseconds, "0" for none
    ARGV[2..n+1]    the encoded entry for KEYS[i] is ARGV[i-3]:
                      "#<version>|<json>"   a value
                      "#<version>|"         a tombstone (JSON text is never empty)
    ARGV[n+2]       the first 21 hex characters of md5 of each entry's id, one
                    after the other (for KEYS[i], characters 21*(i-5)+1 on);
                    "" from a store that keeps no digests

  Stored entries use the same encoding; a plain `set()` value is bare JSON,
  which never starts with "#", so it counts as "no version" here.

  A change is written (SET, with PX when ARGV[1] is not "0") only when the key
  is absent or expired, holds no version, or holds an older version than the
  change. Every key is read before the first write, so a read error (a key of
  another type under the prefix) aborts the batch with nothing written. A key
  repeated inside one batch is compared with the version written just before.

  Digests (src/contracts/bucket-digest.ts): per 16-bit bucket of the id's md5,
  KEYS[3] holds the sum over its live entries of
  2^32 + (a + (version mod 2^32) * m) mod 2^32 (count * 2^32 + the sum of
  their contributions), one HINCRBY per bucket a batch touched. The
  contribution of the version a write replaces is worked out from that
  version, so no entry stores its own. The state says whether they are kept: absent, nothing is
  done (the scope was written before digests, or they were dropped);
  "building", a key not yet in KEYS[4] was never counted, so its old
  contribution is not taken away, and it is added to KEYS[4]; "valid", every
  entry is counted. An apply with a TTL drops the digests (entries that
  expire leave them unseen), and so does one without the ids' md5s (the
  store was told to keep no digests). Every number stays below 2^53, exact in a Lua double.

  Output: { applied, skipped, marker }, marker being the epoch marker's value
  ("" when absent): read in the same atomic step as the writes, it tells the
  store whether these writes went into a server that lost its data.
]]

local ttl = ARGV[1]
local n = #KEYS - 4
local TWO_32 = 4294967296
local hashes = ARGV[n + 2]

-- The header is at most 26 bytes ("#" + 24-character number + "|"), so the
-- first 32 bytes hold it without copying a large value into Lua. Returns the
-- version (nil: no version) and whether the entry is live (not a tombstone).
local function header_of(entry)
  if not entry or entry == '' then
    return nil, false
  end
  local digits = string.match(entry, '^#([^|]+)|')
  if not digits then
    return nil, false
  end
  return tonumber(digits), #entry > #digits + 2
end

local marker = redis.call('GET', KEYS[1]) or ''
local state = redis.call('GET', KEYS[2])
if state and (ttl ~= '0' or hashes == '') then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
  state = false
end

local stored = {}
local live = {}
for i = 5, #KEYS do
  local key = KEYS[i]
  if stored[key] == nil then
    local version, alive = header_of(redis.call('GETRANGE', key, 0, 31))
    stored[key] = version or false
    live[key] = alive
  end
end

-- Per bucket, the change of its digest value.
local deltas = {}
local applied = 0
for i = 5, #KEYS do
  local key = KEYS[i]
  local entry = ARGV[i - 3]
  local version, alive = header_of(string.sub(entry, 1, 32))
  local current = stored[key]
  if current == false or current < version then
    if ttl == '0' then
      redis.call('SET', key, entry)
    else
      redis.call('SET', key, entry, 'PX', ttl)
    end
    if state then
      local old = live[key] and current
      if state == 'building' and redis.call('SADD', KEYS[4], key) == 1 then
        old = false
      end
      local at = 21 * (i - 5)
      local bucket = tonumber(string.sub(hashes, at + 1, at + 4), 16)
      local a = tonumber(string.sub(hashes, at + 9, at + 16), 16)
      local m = 2 * tonumber(string.sub(hashes, at + 17, at + 21), 16) + 1
      local delta = deltas[bucket] or 0
      if old then
        delta = delta - TWO_32 - (a + (old % TWO_32) * m) % TWO_32
      end
      if alive then
        delta = delta + TWO_32 + (a + (version % TWO_32) * m) % TWO_32
      end
      deltas[bucket] = delta
    end
    stored[key] = version
    live[key] = alive
    applied = applied + 1
  end
end

-- One HINCRBY per touched bucket (Redis prints a Lua number below 2^53 exactly).
for bucket, delta in pairs(deltas) do
  if delta ~= 0 then
    redis.call('HINCRBY', KEYS[3], bucket, delta)
  end
end

return { applied, n - applied, marker }
