// The session log on Redis: per session a stream of events (the log), a snapshot with its
// version, and the request ids already applied. An append is one Lua script (append_events.lua):
// compare the expected version, add the events, store snapshot and request id, publish a
// wake-up — all or nothing. Redis runs with appendfsync always, so a reply means durable.
//
// Values are opaque bytes here (serialized SessionEvents and snapshots); the session service
// decides what they are.
#ifndef SERVICES_SESSION_STORE_REDIS_EVENT_LOG_H_
#define SERVICES_SESSION_STORE_REDIS_EVENT_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/redis/redis_client.h"
#include "libs/redis/redis_script.h"

namespace casework::session {

struct AppendRequest {
  std::string session_name;
  int64_t expected_version = 0;     // the version the events were decided on (0: a new session)
  std::string request_id;           // "" when the command carries none
  std::string fingerprint;          // identifies the request's payload, to tell a retry from reuse
  std::vector<std::string> events;  // their sequences are expected_version + 1, + 2, ...
  std::string snapshot;             // the state after the events
  std::string response;             // what a retry with the same request id gets back
  // When not empty, stored beside the snapshot unless something is there already (the pinned
  // protocol template: services/session/snapshot_layout.h).
  std::string protocol;
};

struct AppendOutcome {
  bool duplicate = false;  // the request id was applied before; `response` is the original
  int64_t version = 0;     // the session's version after the append (for a duplicate: unknown, 0)
  std::string response;
};

struct StoredEvent {
  int64_t sequence = 0;
  std::string data;
};

struct StoredSnapshot {
  int64_t version = 0;
  std::string state;            // the snapshot followed by the protocol stored beside it, if any
  bool protocol_apart = false;  // whether a protocol was stored beside the snapshot
};

template <typename T>
using LogCallback = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;

class RedisEventLog {
 public:
  explicit RedisEventLog(redis::RedisClient& client);

  // ABORTED (reason CONCURRENT_MODIFICATION, metadata "current_version") when another command
  // moved the session on; INVALID_ARGUMENT (REQUEST_ID_REUSED) when the request id was used
  // with another payload; UNAVAILABLE when Redis is (the outcome is then unknown: retry with
  // the same request id).
  void Append(AppendRequest request, LogCallback<AppendOutcome> done);

  // Up to `max_count` events with sequence > after_sequence, in order.
  void ReadAfter(absl::string_view session_name, int64_t after_sequence, int max_count,
                 LogCallback<std::vector<StoredEvent>> done);

  // What an earlier request with `request_id` appended: NOT_FOUND when none did;
  // INVALID_ARGUMENT REQUEST_ID_REUSED when it carried another payload (`fingerprint`).
  void LookupRequest(absl::string_view session_name, absl::string_view request_id,
                     absl::string_view fingerprint, LogCallback<AppendOutcome> done);

  // NOT_FOUND when the session has no snapshot (it was never created).
  void LoadSnapshot(absl::string_view session_name, LogCallback<StoredSnapshot> done);

 private:
  redis::RedisClient& client_;
  redis::RedisScript append_script_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_STORE_REDIS_EVENT_LOG_H_
