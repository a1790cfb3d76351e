-- Claims due phase timers: the sessions whose next deadline (warning or overrun) has passed.
-- Each claimed entry is pushed forward by a lease, so no other replica claims it meanwhile; the
-- claimer then ticks the session and re-schedules (next deadline) or cancels the timer. A replica
-- that dies holding a claim loses it when the lease runs out. Exactly-once events come from the
-- session's own state and the version-checked append, not from this claim.
--
-- KEYS[1] the timers sorted set (score: due time in ms since the epoch; member: session name)
-- ARGV[1] now (ms)   ARGV[2] lease (ms)   ARGV[3] at most this many
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local lease_until = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, session in ipairs(due) do
  redis.call('ZADD', KEYS[1], lease_until, session)
end
return due
