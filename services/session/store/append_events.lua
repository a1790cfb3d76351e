-- Appends one accepted command's events to a session's log, atomically (one Redis script):
-- check the expected version, XADD the events with ids that carry their sequence, store the
-- snapshot and version, record the request id with the response, PUBLISH a wake-up.
--
-- KEYS[1] the session's event stream   KEYS[2] its snapshot hash {version, state, protocol}
-- KEYS[3] its request-id hash (request id -> fingerprint .. "\n" .. response)
-- ARGV[1] expected version (the last sequence the caller decided on)
-- ARGV[2] request id ("" for none)      ARGV[3] fingerprint of the request's payload
-- ARGV[4] new snapshot                   ARGV[5] response to replay on a retry
-- ARGV[6] wake-up channel                ARGV[7] the protocol to keep beside the snapshot, or ""
-- ARGV[8..] the events, serialized, in sequence order
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
for i = 8, #ARGV do
  version = version + 1
  redis.call('XADD', KEYS[1], version .. '-1', 'e', ARGV[i])
end
redis.call('HSET', KEYS[2], 'version', version, 'state', ARGV[4])
if ARGV[7] ~= '' then
  redis.call('HSETNX', KEYS[2], 'protocol', ARGV[7])
end
if request_id ~= '' then
  redis.call('HSET', KEYS[3], request_id, ARGV[3] .. '\n' .. ARGV[5])
end
redis.call('PUBLISH', ARGV[6], version)
return {'OK', tostring(version)}
