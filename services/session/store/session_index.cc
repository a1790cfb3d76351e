// SessionIndex on a sorted set per team and one hash of running sessions.
#include "services/session/store/session_index.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace casework::session {
namespace {

absl::Status WriteStatus(const absl::StatusOr<redis::RedisValue>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return absl::UnavailableError("redis refused the index update");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> SessionIndex::TeamKey(absl::string_view team_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(team_name, '/');
  if (parts.size() != 4 || parts[0] != "organizations" || parts[2] != "teams" || parts[1].empty() ||
      parts[3].empty() || team_name.find_first_of("{}: \n") != absl::string_view::npos) {
    return absl::InvalidArgumentError("not a team name");
  }
  return absl::StrCat("cw:", parts[1], ":{team:", parts[3], "}:sessions");
}

void SessionIndex::AddToTeam(absl::string_view session_name, absl::Time scheduled_start,
                             Done done) {
  const size_t cut = session_name.find("/sessions/");
  absl::StatusOr<std::string> key =
      TeamKey(session_name.substr(0, cut == absl::string_view::npos ? 0 : cut));
  if (!key.ok()) {
    std::move(done)(key.status());
    return;
  }
  client_.Command({"ZADD", *key, std::to_string(absl::ToUnixMillis(scheduled_start)),
                   std::string(session_name)},
                  [done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
                    std::move(done)(WriteStatus(reply));
                  });
}

void SessionIndex::SetActive(absl::string_view session_name, absl::string_view protocol_id,
                             bool active, Done done) {
  std::vector<std::string> command =
      active ? std::vector<std::string>{"HSET", active_key_, std::string(session_name),
                                        std::string(protocol_id)}
             : std::vector<std::string>{"HDEL", active_key_, std::string(session_name)};
  client_.Command(std::move(command),
                  [done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
                    std::move(done)(WriteStatus(reply));
                  });
}

void SessionIndex::ListTeam(
    absl::string_view team_name, int64_t offset, int count,
    absl::AnyInvocable<void(absl::StatusOr<std::vector<std::string>>) &&> done) {
  absl::StatusOr<std::string> key = TeamKey(team_name);
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
