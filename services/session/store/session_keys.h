// Redis keys of one session. Every key starts with the organisation (so an organisation's data
// can be found, exported or erased by prefix) and carries the session as its hash tag, so Redis
// Cluster keeps a session's keys on one shard and the append script may touch them all.
#ifndef SERVICES_SESSION_STORE_SESSION_KEYS_H_
#define SERVICES_SESSION_STORE_SESSION_KEYS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casework::session {

struct SessionKeys {
  std::string log;       // stream of serialized SessionEvents, id "<sequence>-1"
  std::string snapshot;  // hash {version, state}
  std::string requests;  // hash request id -> fingerprint "\n" response
  std::string channel;   // PUBLISH target for wake-ups (payload: the new version)

  // From "organizations/{org}/teams/{team}/sessions/{session}"; INVALID_ARGUMENT otherwise.
  static absl::StatusOr<SessionKeys> For(absl::string_view session_name);
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_STORE_SESSION_KEYS_H_
