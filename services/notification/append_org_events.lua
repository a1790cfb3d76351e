-- Appends organisation events to an organisation's event log, each at most once, and optionally
-- advances the cursor of the session they were derived from — atomically, so that two replicas
-- (or a restarted one) deriving the same events never append them twice. Then drops the events
-- older than the retention: sequences stay contiguous, so a reader finds a trimmed position by the
-- gap between its position and the first event it reads.
--
-- KEYS (one hash slot, tag {org:<org>}):
--   KEYS[1] the event stream (ids "<sequence>-1", fields "to" = recipients, "e" = the event)
--   KEYS[2] the sequence counter   KEYS[3] sent dedup keys (sorted set by time, ms)
--   KEYS[4] derivation cursors (hash: session name -> last session sequence derived)
--   KEYS[5] append times (sorted set: member the last sequence of an append, score its time, ms)
-- ARGV[1] now (ms)   ARGV[2] cursor field ("" for none)   ARGV[3] expected cursor
-- ARGV[4] new cursor   ARGV[5] wake-up channel   ARGV[6] how long dedup keys are kept (ms)
-- ARGV[7] how long events are kept (ms)
-- ARGV[8..] triples: dedup key, recipients, serialized OrganizationEvent (sequence unset)
--
-- Returns {"OK", last sequence} | {"CONFLICT", current cursor}.
local field = ARGV[2]
if field ~= '' then
  local current = redis.call('HGET', KEYS[4], field) or '0'
  if current ~= ARGV[3] then
    return {'CONFLICT', current}
  end
end
local added = 0
for i = 8, #ARGV, 3 do
  if not redis.call('ZSCORE', KEYS[3], ARGV[i]) then
    local sequence = redis.call('INCR', KEYS[2])
    redis.call('XADD', KEYS[1], sequence .. '-1', 'to', ARGV[i + 1], 'e', ARGV[i + 2])
    redis.call('ZADD', KEYS[3], ARGV[1], ARGV[i])
    added = added + 1
  end
end
if field ~= '' then
  redis.call('HSET', KEYS[4], field, ARGV[4])
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[6]))
local last = redis.call('GET', KEYS[2]) or '0'
if added > 0 then
  redis.call('ZADD', KEYS[5], ARGV[1], last)
end
local cutoff = tonumber(ARGV[1]) - tonumber(ARGV[7])
local expired = redis.call('ZREVRANGEBYSCORE', KEYS[5], cutoff, '-inf', 'LIMIT', 0, 1)
if #expired > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', (tonumber(expired[1]) + 1) .. '-0')
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', cutoff)
end
if added > 0 then
  redis.call('PUBLISH', ARGV[5], last)
end
return {'OK', tostring(last)}
