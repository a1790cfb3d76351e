// PhaseTimers on a Redis sorted set.
#include "libs/session_log/phase_timers.h"

#include "absl/strings/str_cat.h"

extern const char kClaimDueTimersLua[];

namespace casework::session {
namespace {

std::string Millis(absl::Time time) { return std::to_string(absl::ToUnixMillis(time)); }

absl::Status WriteStatus(const absl::StatusOr<redis::RedisValue>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return absl::UnavailableError("redis refused the timer update");
  return absl::OkStatus();
}

}  // namespace

PhaseTimers::PhaseTimers(redis::RedisClient& client, std::string key)
    : client_(client), key_(std::move(key)), claim_script_(kClaimDueTimersLua) {}

void PhaseTimers::Schedule(absl::string_view session_name, absl::Time due, Done done) {
  client_.Command({"ZADD", key_, Millis(due), std::string(session_name)},
                  [done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
                    std::move(done)(WriteStatus(reply));
                  });
}

void PhaseTimers::Cancel(absl::string_view session_name, Done done) {
  client_.Command({"ZREM", key_, std::string(session_name)},
                  [done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
                    std::move(done)(WriteStatus(reply));
                  });
}

void PhaseTimers::Count(absl::AnyInvocable<void(absl::StatusOr<int64_t>) &&> done) {
  client_.Command({"ZCARD", key_},
                  [done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
                    if (absl::Status status = WriteStatus(reply); !status.ok()) {
                      std::move(done)(status);
                    } else {
                      std::move(done)(reply->integer);
                    }
                  });
}

void PhaseTimers::ClaimDue(absl::Time now, absl::Duration lease, int max_count, Claimed done) {
  claim_script_.Run(
      client_, {key_},
      {Millis(now), std::to_string(absl::ToInt64Milliseconds(lease)), std::to_string(max_count)},
      [done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
        if (absl::Status status = WriteStatus(reply); !status.ok()) {
          std::move(done)(status);
          return;
        }
        std::vector<std::string> sessions;
        for (redis::RedisValue& element : reply->elements) sessions.push_back(element.str);
        std::move(done)(std::move(sessions));
      });
}

}  // namespace casework::session
