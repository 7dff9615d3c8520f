--[[
  apply-if-newer.lua: applies one batch of version-guarded changes of one
  scope. Redis runs the script without interleaving any other command, so the
  read-compare-write of every key is atomic with respect to other clients.

  Input:
    KEYS[1]         the store's epoch marker (see redis-epoch.ts), read, never written
    KEYS[2..n+1]    entry keys, `${keyPrefix}${scope}:${key}`
    ARGV[1]         scope TTL in whole milliseconds, "0" for none
    ARGV[2..n+1]    the encoded entry for KEYS[i] is ARGV[i]:
                      "#<version>|<json>"   a value
                      "#<version>|"         a tombstone (JSON text is never empty)

  Stored entries use the same encoding; a plain `set()` value is bare JSON,
  which never starts with "#", so it counts as "no version" here.

  A change is written (SET, with PX when ARGV[1] is not "0") only when the key
  is absent or expired, holds no version, or holds an older version than the
  change. Every key is read before the first write, so a read error (a key of
  another type under the prefix) aborts the batch with nothing written. A key
  repeated inside one batch is compared with the version written just before.

  Output: { applied, skipped, marker }, marker being the epoch marker's value
  ("" when absent): read in the same atomic step as the writes, it tells the
  store whether these writes went into a server that lost its data.
]]

local ttl = ARGV[1]

-- The header is at most 26 bytes ("#" + 24-character number + "|"), so the
-- first 32 bytes hold it without copying a large value into Lua.
local function version_of(entry)
  if not entry or entry == '' then
    return nil
  end
  return tonumber(string.match(entry, '^#([^|]+)|'))
end

local marker = redis.call('GET', KEYS[1]) or ''

local stored = {}
for i = 2, #KEYS do
  local key = KEYS[i]
  if stored[key] == nil then
    stored[key] = version_of(redis.call('GETRANGE', key, 0, 31)) or false
  end
end

local applied = 0
for i = 2, #KEYS do
  local key = KEYS[i]
  local entry = ARGV[i]
  local version = version_of(string.sub(entry, 1, 32))
  local current = stored[key]
  if current == false or current < version then
    if ttl == '0' then
      redis.call('SET', key, entry)
    else
      redis.call('SET', key, entry, 'PX', ttl)
    end
    stored[key] = version
    applied = applied + 1
  end
end

return { applied, #KEYS - 1 - applied, marker }
