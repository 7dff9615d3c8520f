--[[
  apply-if-newer.lua: applies one batch of version-guarded changes of one
  scope, and keeps the scope's bucket digests up to date. Redis runs the
  script without interleaving any other command, so the read-compare-write of
  every key, and its digest update, is atomic with respect to other clients.

  Input:
    KEYS[1]         the store's epoch marker (see redis-epoch.ts), read, never written
    KEYS[2]         the scope's digests (see redis-digests.ts), a hash
    KEYS[3]         the entry keys counted in the digests while they are built, a set
    KEYS[4..n+3]    entry keys, `${keyPrefix}${scope}:${key}`
    ARGV[1]         scope TTL in whole milliseconds, "0" for none
    ARGV[2..n+1]    the encoded entry for KEYS[i] is ARGV[i-2]:
                      "#<version>|<json>"   a value
                      "#<version>|"         a tombstone (JSON text is never empty)
    ARGV[n+2..2n+1] md5 of each entry's id, as hex (ARGV[i-2+n] for KEYS[i])

  Stored entries use the same encoding; a plain `set()` value is bare JSON,
  which never starts with "#", so it counts as "no version" here.

  A change is written (SET, with PX when ARGV[1] is not "0") only when the key
  is absent or expired, holds no version, or holds an older version than the
  change. Every key is read before the first write, so a read error (a key of
  another type under the prefix) aborts the batch with nothing written. A key
  repeated inside one batch is compared with the version written just before.

  Digests (src/contracts/bucket-digest.ts): per 16-bit bucket of the id's md5,
  field c<bucket> counts the live entries and s<bucket> sums their
  contributions (a + (version mod 2^32) * m) mod 2^32, a and m read from the
  md5; the contribution of the version a write replaces is worked out from
  that version, so no entry stores its own. Field `state` says whether they
  are kept: absent, nothing is done (the scope was written before digests, or
  they were dropped); "building", a key not yet in KEYS[3] was never counted,
  so its old contribution is not taken away, and it is added to KEYS[3];
  "valid", every entry is counted. An apply with a TTL drops the digests:
  entries that expire leave them unseen. Every number stays below 2^53,
  exact in a Lua double.

  Output: { applied, skipped, marker }, marker being the epoch marker's value
  ("" when absent): read in the same atomic step as the writes, it tells the
  store whether these writes went into a server that lost its data.
]]

local ttl = ARGV[1]
local n = #KEYS - 3
local TWO_32 = 4294967296

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
local state = redis.call('HGET', KEYS[2], 'state')
if state and ttl ~= '0' then
  redis.call('DEL', KEYS[2], KEYS[3])
  state = false
end

local stored = {}
local live = {}
for i = 4, #KEYS do
  local key = KEYS[i]
  if stored[key] == nil then
    local version, alive = header_of(redis.call('GETRANGE', key, 0, 31))
    stored[key] = version or false
    live[key] = alive
  end
end

local counts = {}
local sums = {}
local function count(key, hex, old, version, alive)
  if state == 'building' and redis.call('SADD', KEYS[3], key) == 1 then
    old = false
  end
  local bucket = tonumber(string.sub(hex, 1, 4), 16)
  local a = tonumber(string.sub(hex, 9, 16), 16)
  local m = 2 * tonumber(string.sub(hex, 17, 21), 16) + 1
  local dc, ds = 0, 0
  if old then
    dc = -1
    ds = -((a + (old % TWO_32) * m) % TWO_32)
  end
  if alive then
    dc = dc + 1
    ds = ds + (a + (version % TWO_32) * m) % TWO_32
  end
  counts[bucket] = (counts[bucket] or 0) + dc
  sums[bucket] = (sums[bucket] or 0) + ds
end

local applied = 0
for i = 4, #KEYS do
  local key = KEYS[i]
  local entry = ARGV[i - 2]
  local version, alive = header_of(string.sub(entry, 1, 32))
  local current = stored[key]
  if current == false or current < version then
    if ttl == '0' then
      redis.call('SET', key, entry)
    else
      redis.call('SET', key, entry, 'PX', ttl)
    end
    if state then
      count(key, ARGV[i - 2 + n], live[key] and current, version, alive)
    end
    stored[key] = version
    live[key] = alive
    applied = applied + 1
  end
end

-- %.0f prints an integral double exactly (a number argument may be sent in exponent form).
for bucket, dc in pairs(counts) do
  if dc ~= 0 then
    redis.call('HINCRBY', KEYS[2], 'c' .. bucket, string.format('%.0f', dc))
  end
  if sums[bucket] ~= 0 then
    redis.call('HINCRBY', KEYS[2], 's' .. bucket, string.format('%.0f', sums[bucket]))
  end
end

return { applied, n - applied, marker }
