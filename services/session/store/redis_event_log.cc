// RedisEventLog: the append script and the reads.
#include "services/session/store/redis_event_log.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/status/errors.h"
#include "services/session/store/session_keys.h"

extern const char kAppendEventsLua[];

namespace casework::session {
namespace {

using redis::RedisValue;

absl::Status UnexpectedReply(absl::string_view what) {
  return absl::InternalError(absl::StrCat("unexpected reply from Redis to ", what));
}

// A stored request record "fingerprint\nresponse", checked against the retry's fingerprint.
absl::StatusOr<AppendOutcome> StoredRequest(absl::string_view stored_value,
                                            absl::string_view fingerprint) {
  std::pair<absl::string_view, absl::string_view> stored =
      absl::StrSplit(stored_value, absl::MaxSplits('\n', 1));
  if (stored.first != fingerprint) {
    return InvalidArgument("REQUEST_ID_REUSED",
                           {{"request_id", "was already used for a different request"}});
  }
  AppendOutcome result;
  result.duplicate = true;
  result.response = std::string(stored.second);
  return result;
}

absl::StatusOr<AppendOutcome> ParseAppendReply(const RedisValue& reply,
                                               const std::string& fingerprint) {
  if (reply.is_error()) return absl::UnavailableError("redis refused the append script");
  if (reply.type != RedisValue::Type::kArray || reply.elements.size() != 2) {
    return UnexpectedReply("append");
  }
  const std::string& outcome = reply.elements[0].str;
  const std::string& value = reply.elements[1].str;
  if (outcome == "OK") {
    AppendOutcome result;
    if (!absl::SimpleAtoi(value, &result.version)) return UnexpectedReply("append");
    return result;
  }
  if (outcome == "CONFLICT") {
    return Error(absl::StatusCode::kAborted, "CONCURRENT_MODIFICATION",
                 "the session changed meanwhile; decide again on its new state",
                 {{"current_version", value}});
  }
  if (outcome == "DUPLICATE") {
    return StoredRequest(value, fingerprint);
  }
  return UnexpectedReply("append");
}

}  // namespace

RedisEventLog::RedisEventLog(redis::RedisClient& client)
    : client_(client), append_script_(kAppendEventsLua) {}

void RedisEventLog::Append(AppendRequest request, LogCallback<AppendOutcome> done) {
  absl::StatusOr<SessionKeys> keys = SessionKeys::For(request.session_name);
  if (!keys.ok()) {
    std::move(done)(keys.status());
    return;
  }
  std::vector<std::string> script_keys = {keys->log, keys->snapshot, keys->requests};
  std::vector<std::string> args = {std::to_string(request.expected_version),
                                   request.request_id,
                                   request.fingerprint,
                                   std::move(request.snapshot),
                                   std::move(request.response),
                                   keys->channel,
                                   std::move(request.protocol)};
  for (std::string& event : request.events) args.push_back(std::move(event));
  append_script_.Run(client_, std::move(script_keys), std::move(args),
                     [fingerprint = std::move(request.fingerprint),
                      done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                       if (!reply.ok()) {
                         std::move(done)(reply.status());
                         return;
                       }
                       std::move(done)(ParseAppendReply(*reply, fingerprint));
                     });
}

void RedisEventLog::ReadAfter(absl::string_view session_name, int64_t after_sequence, int max_count,
                              LogCallback<std::vector<StoredEvent>> done) {
  absl::StatusOr<SessionKeys> keys = SessionKeys::For(session_name);
  if (!keys.ok()) {
    std::move(done)(keys.status());
    return;
  }
  client_.Command({"XRANGE", keys->log, absl::StrCat("(", after_sequence, "-1"), "+", "COUNT",
                   std::to_string(max_count)},
                  [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                    if (!reply.ok()) {
                      std::move(done)(reply.status());
                      return;
                    }
                    if (reply->type != RedisValue::Type::kArray) {
                      std::move(done)(UnexpectedReply("XRANGE"));
                      return;
                    }
                    std::vector<StoredEvent> events;
                    events.reserve(reply->elements.size());
                    for (const RedisValue& entry : reply->elements) {
                      // [id, [field, value]]
                      StoredEvent event;
                      if (entry.elements.size() != 2 || entry.elements[1].elements.size() != 2 ||
                          !absl::SimpleAtoi(absl::string_view(entry.elements[0].str)
                                                .substr(0, entry.elements[0].str.find('-')),
                                            &event.sequence)) {
                        std::move(done)(UnexpectedReply("XRANGE"));
                        return;
                      }
                      event.data = entry.elements[1].elements[1].str;
                      events.push_back(std::move(event));
                    }
                    std::move(done)(std::move(events));
                  });
}

void RedisEventLog::LookupRequest(absl::string_view session_name, absl::string_view request_id,
                                  absl::string_view fingerprint, LogCallback<AppendOutcome> done) {
  absl::StatusOr<SessionKeys> keys = SessionKeys::For(session_name);
  if (!keys.ok()) {
    std::move(done)(keys.status());
    return;
  }
  client_.Command({"HGET", keys->requests, std::string(request_id)},
                  [fingerprint = std::string(fingerprint),
                   done = std::move(done)](absl::StatusOr<redis::RedisValue> reply) mutable {
                    if (!reply.ok()) {
                      std::move(done)(reply.status());
                    } else if (reply->is_nil()) {
                      std::move(done)(absl::NotFoundError("request id not seen"));
                    } else {
                      std::move(done)(StoredRequest(reply->str, fingerprint));
                    }
                  });
}

void RedisEventLog::LoadSnapshot(absl::string_view session_name, LogCallback<StoredSnapshot> done) {
  absl::StatusOr<SessionKeys> keys = SessionKeys::For(session_name);
  if (!keys.ok()) {
    std::move(done)(keys.status());
    return;
  }
  client_.Command({"HMGET", keys->snapshot, "version", "state", "protocol"},
                  [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                    if (!reply.ok()) {
                      std::move(done)(reply.status());
                      return;
                    }
                    if (reply->type != RedisValue::Type::kArray || reply->elements.size() != 3) {
                      std::move(done)(UnexpectedReply("HMGET"));
                      return;
                    }
                    if (reply->elements[0].is_nil()) {
                      std::move(done)(absl::NotFoundError("no such session"));
                      return;
                    }
                    StoredSnapshot snapshot;
                    if (!absl::SimpleAtoi(reply->elements[0].str, &snapshot.version)) {
                      std::move(done)(UnexpectedReply("HMGET"));
                      return;
                    }
                    snapshot.state = std::move(reply->elements[1].str);
                    snapshot.protocol_apart = !reply->elements[2].is_nil();
                    snapshot.state += reply->elements[2].str;
                    std::move(done)(std::move(snapshot));
                  });
}

}  // namespace casework::session
