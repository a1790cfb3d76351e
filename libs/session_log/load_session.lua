-- Reads what a replica needs to rebuild a session, in one consistent step: the head version, the
-- newest snapshot with the version it stands at, the pinned protocol, and the events after the
-- snapshot (the tail to fold). The tail is bounded by the snapshot policy (a snapshot is written
-- once the tail's bytes reach the snapshot's own size, and at phase boundaries).
--
-- KEYS[1] the session's snapshot hash   KEYS[2] its event stream
--
-- Returns {} when the session does not exist, else
-- {version, state_version, state, protocol, id1, event1, id2, event2, ...} ("" for absent fields).
local fields = redis.call('HMGET', KEYS[1], 'version', 'state_version', 'state', 'protocol')
if not fields[1] then
  return {}
end
local state_version = fields[2]
if not state_version then
  -- A snapshot stored whole before log v2 stands at the head; a v2 session without a snapshot
  -- yet is folded from its first event.
  state_version = fields[3] and fields[1] or '0'
end
local reply = {fields[1], state_version, fields[3] or '', fields[4] or ''}
local tail = redis.call('XRANGE', KEYS[2], '(' .. state_version .. '-1', '+')
for _, entry in ipairs(tail) do
  reply[#reply + 1] = entry[1]
  reply[#reply + 1] = entry[2][2]
end
return reply
