-- Stores a session's snapshot (the fold of its log up to a version) beside the log, off the
-- command path. Idempotent and monotonic: a snapshot older than the stored one, or ahead of the
-- log, is ignored, so replicas racing to write one never move it backwards.
--
-- KEYS[1] the session's snapshot hash {version, state, state_version, protocol}
-- ARGV[1] the snapshot's version   ARGV[2] the snapshot (its session part, serialized)
--
-- Returns 1 when stored, 0 when ignored.
local head = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
local at = tonumber(ARGV[1])
if at > head or at < 1 then
  return 0
end
local stored = tonumber(redis.call('HGET', KEYS[1], 'state_version') or '0')
if stored >= at then
  return 0
end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'state_version', at)
return 1
