-- list-headers.lua: one SCAN page of a scope, with the header of each entry,
-- in one reply (a page of 1 000 keys is one round trip and two strings, not
-- 2 000 replies to parse).
--
-- ARGV[1] the SCAN cursor
-- ARGV[2] the MATCH pattern (the client's key prefix included)
-- ARGV[3] the COUNT hint
-- ARGV[4] header bytes to read from the start of each value
--
-- Returns { next cursor, packed }: for each key of the page holding a string,
-- `<key bytes>:<key><header bytes>:<header>` (lengths in decimal). A key of
-- another type under the prefix is skipped: it is not one of the store's.
local page = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', ARGV[3])
local last = tonumber(ARGV[4]) - 1
local out = {}
for _, key in ipairs(page[2]) do
  local head = redis.pcall('GETRANGE', key, 0, last)
  if type(head) == 'string' then
    out[#out + 1] = #key .. ':' .. key .. #head .. ':' .. head
  end
end
return { page[1], table.concat(out) }
