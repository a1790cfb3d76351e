// Redis keys of one session, and the shared sets its appends update. Every key of a session
// starts with the organisation (so an organisation's data can be found, exported or erased by
// prefix) and carries the session as its hash tag, so Redis Cluster keeps a session's keys on one
// shard and the append script may touch them all. The shared sets (phase timers, record outbox,
// running sessions) and the team's index are single keys today: one Redis runs the scripts that
// touch them with the session's keys atomically (a cluster would shard them — issue 24).
#ifndef LIBS_SESSION_LOG_SESSION_KEYS_H_
#define LIBS_SESSION_LOG_SESSION_KEYS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casework::session {

struct SessionKeys {
  std::string log;         // stream of serialized SessionEvents, id "<sequence>-1"
  std::string snapshot;    // hash {version, state, state_version, protocol}
  std::string requests;    // hash request id -> fingerprint "\n" response
  std::string channel;     // PUBLISH target for wake-ups (payload: the new version [" notable"])
  std::string team_index;  // sorted set of the team's sessions by scheduled start (ms)
  // The organisation's quota usage hash {open_sessions, live_log_bytes}; its rate windows are
  // "<quota>:created:<hour>" and "<quota>:contributed:<minute>" (since the Unix epoch).
  std::string quota;

  // From "organizations/{org}/teams/{team}/sessions/{session}"; INVALID_ARGUMENT otherwise.
  static absl::StatusOr<SessionKeys> For(absl::string_view session_name);
};

// The sets every session's appends update (names overridable for tests). The recorded set is the
// retention purge's input: a session's live log is kept for its organisation's retention after
// its record was stored.
struct SharedKeys {
  std::string phase_timers = "cw:phase-timers";    // session name by next due time (ms)
  std::string record_outbox = "cw:record-outbox";  // session name by when its record is owed (ms)
  std::string running = "cw:sessions-active";      // hash session name -> protocol id
  std::string recorded = "cw:sessions-recorded";   // session name by when its record was stored
};

// What an append's wake-up message ends with when one of its events concerns the organisation's
// feed (the message is the new version, then this).
inline constexpr absl::string_view kNotableWake = " notable";

// The whole wake-up message of a session whose live log the retention purge deleted.
inline constexpr absl::string_view kPurgedWake = "purged";

// The team index key of `organizations/{org}/teams/{team}`; INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> TeamIndexKey(absl::string_view team_name);

}  // namespace casework::session

#endif  // LIBS_SESSION_LOG_SESSION_KEYS_H_
