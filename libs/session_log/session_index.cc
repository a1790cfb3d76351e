// SessionIndex on a sorted set per team and one hash of running sessions.
#include "libs/session_log/session_index.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/session_log/session_keys.h"

namespace casework::session {
namespace {

absl::Status WriteStatus(const absl::StatusOr<redis::RedisValue>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return absl::UnavailableError("redis refused the index update");
  return absl::OkStatus();
}

}  // namespace

void SessionIndex::ListTeam(
    absl::string_view team_name, int64_t offset, int count,
    absl::AnyInvocable<void(absl::StatusOr<std::vector<std::string>>) &&> done) {
  absl::StatusOr<std::string> key = TeamIndexKey(team_name);
  if (!key.ok()) {
    std::move(done)(key.status());
    return;
  }
  client_.Command({"ZREVRANGE", *key, std::to_string(offset), std::to_string(offset + count - 1)},
                  [done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
                    if (absl::Status status = WriteStatus(reply); !status.ok()) {
                      std::move(done)(status);
                      return;
                    }
                    std::vector<std::string> names;
                    for (redis::RedisValue& element : reply->elements) {
                      names.push_back(std::move(element.str));
                    }
                    std::move(done)(std::move(names));
                  });
}

void SessionIndex::CountActive(
    absl::AnyInvocable<void(absl::StatusOr<std::map<std::string, int64_t>>) &&> done) {
  client_.Command({"HVALS", active_key_},
                  [done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
                    if (absl::Status status = WriteStatus(reply); !status.ok()) {
                      std::move(done)(status);
                      return;
                    }
                    std::map<std::string, int64_t> counts;
                    for (const redis::RedisValue& protocol : reply->elements)
                      ++counts[protocol.str];
                    std::move(done)(std::move(counts));
                  });
}

}  // namespace casework::session
