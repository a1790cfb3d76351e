// What the session log cannot answer by key: the sessions of a team, newest scheduled first (for
// ListSessions), and the sessions running now (for casework_sessions_active). Both are written
// after the append that changes them and are idempotent, so a retried command, the record
// outbox or any replica may write them again; they are indexes, the log stays the truth.
//
// Keys: `cw:<org>:{team:<team>}:sessions` (sorted set: session name by scheduled start, ms) and
// `cw:sessions-active` (hash: session name -> protocol id).
#ifndef SERVICES_SESSION_STORE_SESSION_INDEX_H_
#define SERVICES_SESSION_STORE_SESSION_INDEX_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/redis/redis_client.h"

namespace casework::session {

class SessionIndex {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  explicit SessionIndex(redis::RedisClient& client, std::string active_key = "cw:sessions-active")
      : client_(client), active_key_(std::move(active_key)) {}

  // Lists the session in its team (idempotent).
  void AddToTeam(absl::string_view session_name, absl::Time scheduled_start, Done done);
  // Marks the session running (in progress or paused) with its protocol, or not running.
  void SetActive(absl::string_view session_name, absl::string_view protocol_id, bool active,
                 Done done);

  // Up to `count` session names of the team `organizations/{org}/teams/{team}` from `offset`,
  // newest scheduled first.
  void ListTeam(absl::string_view team_name, int64_t offset, int count,
                absl::AnyInvocable<void(absl::StatusOr<std::vector<std::string>>) &&> done);
  // Running sessions by protocol id.
  void CountActive(
      absl::AnyInvocable<void(absl::StatusOr<std::map<std::string, int64_t>>) &&> done);

  // The team index key of `organizations/{org}/teams/{team}`; INVALID_ARGUMENT otherwise.
  static absl::StatusOr<std::string> TeamKey(absl::string_view team_name);

 private:
  redis::RedisClient& client_;
  const std::string active_key_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_STORE_SESSION_INDEX_H_
