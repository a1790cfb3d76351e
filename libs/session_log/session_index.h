// What the session log cannot answer by key: the sessions of a team, newest scheduled first (for
// ListSessions), and the sessions running now (for casework_sessions_active). Both are written by
// the append script, with the events that change them (RedisEventLog's FollowUps); this reads
// them.
//
// Keys: `cw:<org>:{team:<team>}:sessions` (sorted set: session name by scheduled start, ms) and
// `cw:sessions-active` (hash: session name -> protocol id).
#ifndef LIBS_SESSION_LOG_SESSION_INDEX_H_
#define LIBS_SESSION_LOG_SESSION_INDEX_H_

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
  explicit SessionIndex(redis::RedisClient& client, std::string active_key = "cw:sessions-active")
      : client_(client), active_key_(std::move(active_key)) {}

  // Up to `count` session names of the team `organizations/{org}/teams/{team}` from `offset`,
  // newest scheduled first.
  void ListTeam(absl::string_view team_name, int64_t offset, int count,
                absl::AnyInvocable<void(absl::StatusOr<std::vector<std::string>>) &&> done);
  // Running sessions by protocol id.
  void CountActive(
      absl::AnyInvocable<void(absl::StatusOr<std::map<std::string, int64_t>>) &&> done);

 private:
  redis::RedisClient& client_;
  const std::string active_key_;
};

}  // namespace casework::session

#endif  // LIBS_SESSION_LOG_SESSION_INDEX_H_
