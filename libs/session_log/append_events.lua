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
-- The organisation's quotas, checked and counted here, atomically with the append (a limit of 0
-- is none; an append that opens no session and adds no contribution is never refused, so ending
-- a session, timers and records always go through):
-- KEYS[9] the organisation's usage hash {open_sessions, live_log_bytes}
-- KEYS[10] its sessions-created counter of this clock hour
-- KEYS[11] its contributions counter of this clock minute
-- ARGV[14] "1" to account the quotas ("" not: the rest of the quota arguments are ignored)
-- ARGV[15] open sessions: +1 the session opens, -1 it closes, 0   ARGV[16] its limit
-- ARGV[17] sessions created (0 or 1)   ARGV[18] the limit per hour
-- ARGV[19] contributions added   ARGV[20] the limit per minute
-- ARGV[21] bytes the events add to the live log   ARGV[22] the limit of the organisation's
-- ARGV[23] ms left in this hour   ARGV[24] ms left in this minute
-- ARGV[25..] the events, serialized, in sequence order
--
-- Returns {"OK", version, open sessions, live-log bytes, created this hour, contributions this
-- minute} | {"DUPLICATE", stored} | {"CONFLICT", current version} |
-- {"QUOTA", quota name, usage, limit, ms until a retry may pass (0: waiting does not help)}.
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
local quota = ARGV[14] == '1'
local opens, created, contributed, bytes = 0, 0, 0, 0
if quota then
  opens, created = tonumber(ARGV[15]), tonumber(ARGV[17])
  contributed, bytes = tonumber(ARGV[19]), tonumber(ARGV[21])
  if opens > 0 or created > 0 or contributed > 0 then
    local open_limit, hour_limit = tonumber(ARGV[16]), tonumber(ARGV[18])
    local minute_limit, bytes_limit = tonumber(ARGV[20]), tonumber(ARGV[22])
    local open = tonumber(redis.call('HGET', KEYS[9], 'open_sessions') or '0')
    if opens > 0 and open_limit > 0 and open + opens > open_limit then
      return {'QUOTA', 'open_sessions', tostring(open), ARGV[16], '0'}
    end
    if created > 0 and hour_limit > 0 then
      local count = tonumber(redis.call('GET', KEYS[10]) or '0')
      if count + created > hour_limit then
        return {'QUOTA', 'sessions_per_hour', tostring(count), ARGV[18], ARGV[23]}
      end
    end
    if contributed > 0 and minute_limit > 0 then
      local count = tonumber(redis.call('GET', KEYS[11]) or '0')
      if count + contributed > minute_limit then
        return {'QUOTA', 'contributions_per_minute', tostring(count), ARGV[20], ARGV[24]}
      end
    end
    local held = tonumber(redis.call('HGET', KEYS[9], 'live_log_bytes') or '0')
    if bytes_limit > 0 and held + bytes > bytes_limit then
      return {'QUOTA', 'live_log_bytes', tostring(held), ARGV[22], '0'}
    end
  end
end
-- A snapshot stored whole before log v2 stands at the version it was written with.
if version > 0 and redis.call('HEXISTS', KEYS[2], 'state_version') == 0 and
    redis.call('HEXISTS', KEYS[2], 'state') == 1 then
  redis.call('HSET', KEYS[2], 'state_version', version)
end
for i = 25, #ARGV do
  version = version + 1
  redis.call('XADD', KEYS[1], version .. '-1', 'e', ARGV[i])
end
-- The session's own count of its live-log bytes, for its purge (written with the version: one
-- write); counted only while its organisation's live-log bytes are.
local count_bytes = quota and tonumber(ARGV[22]) > 0 and bytes > 0
if count_bytes then
  local own = tonumber(redis.call('HGET', KEYS[2], 'bytes') or '0')
  redis.call('HSET', KEYS[2], 'version', version, 'bytes', own + bytes)
else
  redis.call('HSET', KEYS[2], 'version', version)
end
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
local usage = {'0', '0', '0', '0'}
if quota then
  -- Only what changes, and only what a limit asks for, is written (each write is a line of the
  -- AOF). Counts start at this version's deployment, or when a limit is set: a session opened
  -- before closes to 0, not below.
  local open
  if opens ~= 0 then
    open = redis.call('HINCRBY', KEYS[9], 'open_sessions', opens)
    if open < 0 then
      redis.call('HSET', KEYS[9], 'open_sessions', 0)
      open = 0
    end
  else
    open = tonumber(redis.call('HGET', KEYS[9], 'open_sessions') or '0')
  end
  local held
  if count_bytes then
    held = redis.call('HINCRBY', KEYS[9], 'live_log_bytes', bytes)
  else
    held = tonumber(redis.call('HGET', KEYS[9], 'live_log_bytes') or '0')
  end
  local hour, minute = 0, 0
  if created > 0 and tonumber(ARGV[18]) > 0 then
    hour = redis.call('INCRBY', KEYS[10], created)
    if hour == created then  -- the window's first: it expires after the window
      redis.call('PEXPIRE', KEYS[10], tonumber(ARGV[23]) + 60000)
    end
  end
  if contributed > 0 and tonumber(ARGV[20]) > 0 then
    minute = redis.call('INCRBY', KEYS[11], contributed)
    if minute == contributed then
      redis.call('PEXPIRE', KEYS[11], tonumber(ARGV[24]) + 60000)
    end
  end
  usage = {tostring(open), tostring(held), tostring(hour), tostring(minute)}
end
if ARGV[12] == '1' then
  redis.call('PUBLISH', ARGV[5], version .. ' notable')
else
  redis.call('PUBLISH', ARGV[5], version)
end
return {'OK', tostring(version), usage[1], usage[2], usage[3], usage[4]}
