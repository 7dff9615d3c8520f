-- publish-events.lua: appends change events to a stream, each event id at
-- most once per de-duplication window. The marker and the entry are written
-- together (a script is atomic), so a crash can never leave a marker for an
-- event that was not appended.
--
-- KEYS[1]        the stream
-- KEYS[1 + i]    the marker of event i: `<stream>:seen:<eventId>` (i = 1..n)
-- ARGV[1]        marker TTL in ms (the de-duplication window)
-- ARGV[2i]       event id of event i
-- ARGV[2i + 1]   event JSON of event i
-- Returns: how many events were appended (the rest were duplicates).
local appended = 0
for i = 1, #KEYS - 1 do
  if redis.call('SET', KEYS[1 + i], '1', 'NX', 'PX', ARGV[1]) then
    redis.call('XADD', KEYS[1], '*', 'id', ARGV[2 * i], 'event', ARGV[2 * i + 1])
    appended = appended + 1
  end
end
return appended
