// The session log on Redis (log v2): per session a stream of events (the log), a snapshot hash
// (the head version, the newest snapshot and the version it stands at, the pinned protocol) and
// the request ids already applied. An append is one Lua script (append_events.lua) that writes
// only the new events and everything the acknowledgement implies — request id, phase timer, record
// outbox entry, team index entry, running set, wake-up — all or nothing. Snapshots are written
// apart, on the writer's policy, and idempotently (store_snapshot.lua); a reader loads the newest
// snapshot and the events after it in one step (load_session.lua) and folds them. Redis runs with
// appendfsync always, so a reply means durable.
//
// Values are opaque bytes here (serialized SessionEvents and snapshots); the services decide what
// they are.
#ifndef LIBS_SESSION_LOG_REDIS_EVENT_LOG_H_
#define LIBS_SESSION_LOG_REDIS_EVENT_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "libs/quota/quota_policy.h"
#include "libs/redis/redis_client.h"
#include "libs/redis/redis_script.h"
#include "libs/session_log/session_keys.h"

namespace casework::session {

// What an acknowledged command implies beyond its events, written by the same script.
struct FollowUps {
  bool timer_changed = false;               // the phase timer moves:
  absl::optional<absl::Time> timer_due;     //   to this due time, or (nullopt) it is removed
  absl::optional<absl::Time> record_owed;   // the session's record is owed from then (outbox)
  absl::optional<absl::Time> team_listing;  // list the session in its team at this start time
  bool running_changed = false;             // the session starts or stops running:
  std::string running_protocol;             //   running with this protocol id, or ("") not
  bool notable = false;                     // an event concerns the organisation's feed
  absl::optional<absl::Time> recorded;      // the records service stored the session's record
};

// What an append counts against its organisation's quotas; the append script checks and counts
// it atomically with the events (append_events.lua). Only an append that opens a session or adds
// contributions can be refused; every append counts its bytes.
struct QuotaCharge {
  bool account = false;       // false: no quota accounting (the log's own tests)
  int open_sessions = 0;      // +1 the session opens, -1 it ends or is cancelled
  int sessions_created = 0;   // 1 when the append creates the session
  int contributions = 0;      // contributions the events add
  quota::QuotaLimits limits;  // the organisation's
  absl::Time now;             // places the rate windows (clock hour, clock minute)
};

// The organisation's usage after an accounted append.
struct QuotaUsage {
  int64_t open_sessions = 0;
  int64_t live_log_bytes = 0;
  int64_t created_this_hour = 0;        // 0 when the append created none
  int64_t contributed_this_minute = 0;  // 0 when the append added none
};

struct AppendRequest {
  std::string session_name;
  int64_t expected_version = 0;     // the version the events were decided on (0: a new session)
  std::string request_id;           // "" when the command carries none
  std::string fingerprint;          // identifies the request's payload, to tell a retry from reuse
  std::vector<std::string> events;  // their sequences are expected_version + 1, + 2, ...
  std::string response;             // what a retry with the same request id gets back
  // When not empty, stored beside the snapshot unless something is there already (the pinned
  // protocol template, written when the session is created).
  std::string protocol;
  FollowUps follow_ups;
  QuotaCharge quota;
};

struct AppendOutcome {
  bool duplicate = false;  // the request id was applied before; `response` is the original
  int64_t version = 0;     // the session's version after the append (for a duplicate: unknown, 0)
  std::string response;
  QuotaUsage usage;  // when the append was accounted
};

struct StoredEvent {
  int64_t sequence = 0;
  std::string data;
};

// A session as stored: the newest snapshot and the events after it.
struct StoredSession {
  int64_t version = 0;            // the head: the last event's sequence when it was read
  int64_t state_version = 0;      // the version `state` stands at (0: no snapshot; fold from 1)
  std::string state;              // the snapshot's session part, or "" (a snapshot stored whole
                                  // before log v2 holds the protocol too)
  std::string protocol;           // the pinned protocol part, or "" (not stored apart)
  std::vector<StoredEvent> tail;  // the events after state_version, in order
};

// A session whose record the records service stored, and when (the recorded set's entry).
struct RecordedSession {
  std::string name;
  absl::Time stored;
};

template <typename T>
using LogCallback = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;

class RedisEventLog {
 public:
  explicit RedisEventLog(redis::RedisClient& client, SharedKeys shared = {});

  // ABORTED (reason CONCURRENT_MODIFICATION, metadata "current_version") when another command
  // moved the session on; INVALID_ARGUMENT (REQUEST_ID_REUSED) when the request id was used
  // with another payload; RESOURCE_EXHAUSTED (QUOTA_EXCEEDED) when the append would take the
  // organisation beyond a quota (nothing written); UNAVAILABLE when Redis is (the outcome is then
  // unknown: retry with the same request id).
  void Append(AppendRequest request, LogCallback<AppendOutcome> done);

  // Stores `snapshot` as the session's state at `version` unless a newer one is stored (or the
  // log has not reached `version`). OK either way; the answer says whether it was stored.
  void StoreSnapshot(absl::string_view session_name, int64_t version, std::string snapshot,
                     LogCallback<bool> done);

  // The newest snapshot and the events after it; NOT_FOUND when the session was never created.
  void Load(absl::string_view session_name, LogCallback<StoredSession> done);

  // Up to `max_count` events with sequence > after_sequence, in order.
  void ReadAfter(absl::string_view session_name, int64_t after_sequence, int max_count,
                 LogCallback<std::vector<StoredEvent>> done);

  // What an earlier request with `request_id` appended: NOT_FOUND when none did;
  // INVALID_ARGUMENT REQUEST_ID_REUSED when it carried another payload (`fingerprint`).
  void LookupRequest(absl::string_view session_name, absl::string_view request_id,
                     absl::string_view fingerprint, LogCallback<AppendOutcome> done);

  // Sessions whose record was stored before `stored_before`, oldest first, from `offset` (the
  // retention purge's input), with when their record was stored.
  void ListRecorded(absl::Time stored_before, int64_t offset, int count,
                    LogCallback<std::vector<RecordedSession>> done);

  // Deletes the session's live log and its index entries (purge_session.lua) if it is still
  // recorded as stored at `stored` (to the millisecond); true when this call deleted it.
  void Purge(absl::string_view session_name, absl::Time stored, LogCallback<bool> done);

  const SharedKeys& shared_keys() const { return shared_; }

 private:
  redis::RedisClient& client_;
  const SharedKeys shared_;
  redis::RedisScript append_script_;
  redis::RedisScript snapshot_script_;
  redis::RedisScript load_script_;
  redis::RedisScript purge_script_;
};

// The sequence of a stream entry id "<sequence>-1"; false when it is not one.
bool ParseEventId(absl::string_view id, int64_t* sequence);

}  // namespace casework::session

#endif  // LIBS_SESSION_LOG_REDIS_EVENT_LOG_H_
