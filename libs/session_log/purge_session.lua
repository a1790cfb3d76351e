-- Deletes a session's live log under its organisation's retention policy: its event stream,
-- snapshot and request ids, and its entries in the team's index and the shared sets — all or
-- nothing — then PUBLISHes "purged" on its wake-up channel so open watchers end. Only while the
-- session is still in the recorded set with the store time the caller judged (`expected`): a
-- second replica purging the same session, or a purge racing a newer record, deletes nothing.
--
-- KEYS[1] the session's event stream   KEYS[2] its snapshot hash   KEYS[3] its request-id hash
-- KEYS[4] the team's session index   KEYS[5] the phase-timer set   KEYS[6] the record-outbox set
-- KEYS[7] the running-sessions hash   KEYS[8] the recorded-sessions set
-- KEYS[9] the organisation's quota usage hash (its live-log bytes shrink by the session's)
-- ARGV[1] the session's name   ARGV[2] its store time as judged (ms)   ARGV[3] wake-up channel
--
-- Returns 1 when it deleted the session, 0 when there was nothing to delete.
local session = ARGV[1]
local stored = redis.call('ZSCORE', KEYS[8], session)
if not stored or tonumber(stored) ~= tonumber(ARGV[2]) then
  return 0
end
local bytes = tonumber(redis.call('HGET', KEYS[2], 'bytes') or '0')
if bytes > 0 then
  local held = redis.call('HINCRBY', KEYS[9], 'live_log_bytes', -bytes)
  if held < 0 then
    redis.call('HSET', KEYS[9], 'live_log_bytes', 0)
  end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[4], session)
redis.call('ZREM', KEYS[5], session)
redis.call('ZREM', KEYS[6], session)
redis.call('HDEL', KEYS[7], session)
redis.call('ZREM', KEYS[8], session)
redis.call('PUBLISH', ARGV[3], 'purged')
return 1
