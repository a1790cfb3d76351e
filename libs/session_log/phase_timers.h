// Phase deadlines in Redis: one sorted set of sessions by their next due time (time warning or
// overrun), shared by every session-service replica. A replica's timer loop claims what is due
// (claim_due_timers.lua leases each claim), ticks those sessions through the engine, and then
// re-schedules or cancels. Claims make duplicate work rare; exactly-once warning and overrun
// events are guaranteed by the engine's state and the version-checked append.
#ifndef LIBS_SESSION_LOG_PHASE_TIMERS_H_
#define LIBS_SESSION_LOG_PHASE_TIMERS_H_

#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/redis/redis_client.h"
#include "libs/redis/redis_script.h"

namespace casework::session {

class PhaseTimers {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;
  using Claimed = absl::AnyInvocable<void(absl::StatusOr<std::vector<std::string>>) &&>;

  explicit PhaseTimers(redis::RedisClient& client, std::string key = "cw:phase-timers");

  // Sets (or moves) the session's next due time.
  void Schedule(absl::string_view session_name, absl::Time due, Done done);
  // Removes the session's timer (no deadline pending: paused, ended, between phases).
  void Cancel(absl::string_view session_name, Done done);
  // How many sessions the set holds.
  void Count(absl::AnyInvocable<void(absl::StatusOr<int64_t>) &&> done);
  // Sessions due at `now`, each leased for `lease` so other replicas skip them meanwhile.
  void ClaimDue(absl::Time now, absl::Duration lease, int max_count, Claimed done);

 private:
  redis::RedisClient& client_;
  const std::string key_;
  const redis::RedisScript claim_script_;
};

}  // namespace casework::session

#endif  // LIBS_SESSION_LOG_PHASE_TIMERS_H_
