-- Appends one accepted command's events to a session's log, atomically (one Redis script), with
-- everything the acknowledgement implies (a transactional outbox): check the expected version,
-- XADD only the new events (ids carry their sequence), move the head version, record the request
-- id with its response, and write the follow-ups the command's outcome needs — the session's
-- phase timer, its record-outbox entry, its entry in the team's index, its place among the
-- running sessions, the set of recorded sessions the retention purge reads — then PUBLISH a
-- wake-up. Nothing here grows with the session: the snapshot is
-- written apart, on a policy, by store_snapshot.lua.
--
-- KEYS[1] the session's event stream   KEYS[2] its snapshot hash {version, state, state_version,
-- protocol}   KEYS[3] its request-id hash (request id -> fingerprint .. "\n" .. response)
-- KEYS[4] the phase-timer set   KEYS[5] the record-outbox set   KEYS[6] the team's session index
-- KEYS[7] the running-sessions hash   KEYS[8] the recorded-sessions set (retention's input)
-- ARGV[1] expected version (the last sequence the caller decided on)
-- ARGV[2] request id ("" for none)     ARGV[3] fingerprint of the request's payload
-- ARGV[4] response to replay on a retry
-- ARGV[5] wake-up channel              ARGV[6] the protocol to keep beside the snapshot, or ""
-- ARGV[7] the session's name (the member of the shared sets)
-- ARGV[8] phase timer: "" unchanged, "-" none, else the next due time (ms)
-- ARGV[9] record outbox: "" unchanged, else the time (ms) the record is owed from
-- ARGV[10] team index: "" unchanged, else the scheduled start (ms) to list the session under
-- ARGV[11] running: "" unchanged, "-" not running, else the protocol id
-- ARGV[12] "1" when an event concerns the organisation's feed (the wake-up says so)
-- ARGV[13] recorded: "" unchanged, else the time (ms) the records service stored the record
-- ARGV[14..] the events, serialized, in sequence order
--
-- Returns {"OK", version} | {"DUPLICATE", stored} | {"CONFLICT", current version}.
local request_id = ARGV[2]
if request_id ~= '' then
  local seen = redis.call('HGET', KEYS[3], request_id)
  if seen then
    return {'DUPLICATE', seen}
  end
end
local version = tonumber(redis.call('HGET', KEYS[2], 'version') or '0')
if version ~= tonumber(ARGV[1]) then
  return {'CONFLICT', tostring(version)}
end
-- A snapshot stored whole before log v2 stands at the version it was written with.
if version > 0 and redis.call('HEXISTS', KEYS[2], 'state_version') == 0 and
    redis.call('HEXISTS', KEYS[2], 'state') == 1 then
  redis.call('HSET', KEYS[2], 'state_version', version)
end
for i = 14, #ARGV do
  version = version + 1
  redis.call('XADD', KEYS[1], version .. '-1', 'e', ARGV[i])
end
redis.call('HSET', KEYS[2], 'version', version)
if ARGV[6] ~= '' then
  redis.call('HSETNX', KEYS[2], 'protocol', ARGV[6])
end
if request_id ~= '' then
  redis.call('HSET', KEYS[3], request_id, ARGV[3] .. '\n' .. ARGV[4])
end
local session = ARGV[7]
if ARGV[8] == '-' then
  redis.call('ZREM', KEYS[4], session)
elseif ARGV[8] ~= '' then
  redis.call('ZADD', KEYS[4], ARGV[8], session)
end
if ARGV[9] ~= '' then
  redis.call('ZADD', KEYS[5], ARGV[9], session)
end
if ARGV[10] ~= '' then
  redis.call('ZADD', KEYS[6], ARGV[10], session)
end
if ARGV[11] == '-' then
  redis.call('HDEL', KEYS[7], session)
elseif ARGV[11] ~= '' then
  redis.call('HSET', KEYS[7], session, ARGV[11])
end
if ARGV[13] ~= '' then
  redis.call('ZADD', KEYS[8], ARGV[13], session)
end
if ARGV[12] == '1' then
  redis.call('PUBLISH', ARGV[5], version .. ' notable')
else
  redis.call('PUBLISH', ARGV[5], version)
end
return {'OK', tostring(version)}
