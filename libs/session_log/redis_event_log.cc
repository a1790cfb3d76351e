// RedisEventLog: the append, snapshot and load scripts and the reads.
#include "libs/session_log/redis_event_log.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/status/errors.h"

extern const char kAppendEventsLua[];
extern const char kStoreSnapshotLua[];
extern const char kLoadSessionLua[];
extern const char kPurgeSessionLua[];

namespace casework::session {
namespace {

using redis::RedisValue;

absl::Status UnexpectedReply(absl::string_view what) {
  return absl::InternalError(absl::StrCat("unexpected reply from Redis to ", what));
}

std::string Millis(absl::Time time) { return std::to_string(absl::ToUnixMillis(time)); }

// {version, state_version, state, protocol, id1, event1, ...}, or {} for a missing session.
absl::StatusOr<StoredSession> ParseLoadReply(RedisValue reply) {
  if (reply.is_error() || reply.type != RedisValue::Type::kArray) return UnexpectedReply("load");
  std::vector<RedisValue>& fields = reply.elements;
  if (fields.empty()) return absl::NotFoundError("no such session");
  if (fields.size() < 4 || fields.size() % 2 != 0) return UnexpectedReply("load");
  StoredSession session;
  if (!absl::SimpleAtoi(fields[0].str, &session.version) ||
      !absl::SimpleAtoi(fields[1].str, &session.state_version)) {
    return UnexpectedReply("load");
  }
  session.state = std::move(fields[2].str);
  session.protocol = std::move(fields[3].str);
  session.tail.reserve((fields.size() - 4) / 2);
  for (size_t i = 4; i < fields.size(); i += 2) {
    StoredEvent event;
    if (!ParseEventId(fields[i].str, &event.sequence)) return UnexpectedReply("load");
    event.data = std::move(fields[i + 1].str);
    session.tail.push_back(std::move(event));
  }
  return session;
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

// {"QUOTA", quota name, usage, limit, ms until a retry may pass} → QUOTA_EXCEEDED.
absl::Status QuotaReply(const std::vector<RedisValue>& fields, absl::string_view organization) {
  int64_t usage = 0, limit = 0, retry_ms = 0;
  if (fields.size() != 5 || !absl::SimpleAtoi(fields[2].str, &usage) ||
      !absl::SimpleAtoi(fields[3].str, &limit) || !absl::SimpleAtoi(fields[4].str, &retry_ms)) {
    return UnexpectedReply("append");
  }
  for (int i = 0; i < quota::kQuotaCount; ++i) {
    const auto which = static_cast<quota::Quota>(i);
    if (quota::QuotaName(which) == fields[1].str) {
      return quota::QuotaRefusal(which, organization, usage, limit, absl::Milliseconds(retry_ms));
    }
  }
  return UnexpectedReply("append");
}

absl::StatusOr<AppendOutcome> ParseAppendReply(const RedisValue& reply,
                                               const std::string& fingerprint,
                                               absl::string_view organization) {
  if (reply.is_error()) return absl::UnavailableError("redis refused the append script");
  if (reply.type != RedisValue::Type::kArray || reply.elements.size() < 2) {
    return UnexpectedReply("append");
  }
  const std::string& outcome = reply.elements[0].str;
  const std::string& value = reply.elements[1].str;
  if (outcome == "OK") {
    AppendOutcome result;
    if (!absl::SimpleAtoi(value, &result.version) || reply.elements.size() != 6) {
      return UnexpectedReply("append");
    }
    QuotaUsage& usage = result.usage;
    if (!absl::SimpleAtoi(reply.elements[2].str, &usage.open_sessions) ||
        !absl::SimpleAtoi(reply.elements[3].str, &usage.live_log_bytes) ||
        !absl::SimpleAtoi(reply.elements[4].str, &usage.created_this_hour) ||
        !absl::SimpleAtoi(reply.elements[5].str, &usage.contributed_this_minute)) {
      return UnexpectedReply("append");
    }
    return result;
  }
  if (outcome == "QUOTA") return QuotaReply(reply.elements, organization);
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

// The counter of the rate window of `length` holding `now`: "<quota>:<what>:<window number>".
std::string QuotaWindowKey(absl::string_view quota_key, absl::string_view what,
                           absl::Duration length, absl::Time now) {
  return absl::StrCat(quota_key, ":", what, ":",
                      absl::IDivDuration(now - absl::UnixEpoch(), length, &length));
}

// Milliseconds from `now` to the end of its window of `length`.
std::string MillisLeft(absl::Time now, absl::Duration length) {
  const absl::Duration into = absl::Floor(now - absl::UnixEpoch(), length);
  return std::to_string(absl::ToInt64Milliseconds(absl::UnixEpoch() + into + length - now));
}

// ARGV[14..24] of append_events.lua.
void AppendQuotaArgs(const QuotaCharge& quota, int64_t bytes, std::vector<std::string>& args) {
  using quota::Quota;
  args.push_back(quota.account ? "1" : "");
  args.push_back(std::to_string(quota.open_sessions));
  args.push_back(std::to_string(quota.limits.Of(Quota::kOpenSessions)));
  args.push_back(std::to_string(quota.sessions_created));
  args.push_back(std::to_string(quota.limits.Of(Quota::kSessionsPerHour)));
  args.push_back(std::to_string(quota.contributions));
  args.push_back(std::to_string(quota.limits.Of(Quota::kContributionsPerMinute)));
  args.push_back(std::to_string(bytes));
  args.push_back(std::to_string(quota.limits.Of(Quota::kLiveLogBytes)));
  args.push_back(MillisLeft(quota.now, absl::Hours(1)));
  args.push_back(MillisLeft(quota.now, absl::Minutes(1)));
}

// "acme" of "organizations/acme/teams/...".
std::string OrganizationOf(absl::string_view session_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(session_name, '/');
  return parts.size() > 1 ? std::string(parts[1]) : std::string();
}

}  // namespace

RedisEventLog::RedisEventLog(redis::RedisClient& client, SharedKeys shared)
    : client_(client),
      shared_(std::move(shared)),
      append_script_(kAppendEventsLua),
      snapshot_script_(kStoreSnapshotLua),
      load_script_(kLoadSessionLua),
      purge_script_(kPurgeSessionLua) {}

void RedisEventLog::Append(AppendRequest request, LogCallback<AppendOutcome> done) {
  absl::StatusOr<SessionKeys> keys = SessionKeys::For(request.session_name);
  if (!keys.ok()) {
    std::move(done)(keys.status());
    return;
  }
  const FollowUps& follow = request.follow_ups;
  const QuotaCharge& quota = request.quota;
  std::vector<std::string> script_keys = {
      keys->log,
      keys->snapshot,
      keys->requests,
      shared_.phase_timers,
      shared_.record_outbox,
      keys->team_index,
      shared_.running,
      shared_.recorded,
      keys->quota,
      QuotaWindowKey(keys->quota, "created", absl::Hours(1), quota.now),
      QuotaWindowKey(keys->quota, "contributed", absl::Minutes(1), quota.now)};
  std::vector<std::string> args;
  args.reserve(24 + request.events.size());
  args.push_back(std::to_string(request.expected_version));
  args.push_back(request.request_id);
  args.push_back(request.fingerprint);
  args.push_back(std::move(request.response));
  args.push_back(keys->channel);
  args.push_back(std::move(request.protocol));
  args.push_back(request.session_name);
  args.push_back(!follow.timer_changed          ? ""
                 : follow.timer_due.has_value() ? Millis(*follow.timer_due)
                                                : "-");
  args.push_back(follow.record_owed.has_value() ? Millis(*follow.record_owed) : "");
  args.push_back(follow.team_listing.has_value() ? Millis(*follow.team_listing) : "");
  args.push_back(!follow.running_changed           ? ""
                 : follow.running_protocol.empty() ? "-"
                                                   : follow.running_protocol);
  args.push_back(follow.notable ? "1" : "0");
  args.push_back(follow.recorded.has_value() ? Millis(*follow.recorded) : "");
  int64_t bytes = 0;
  for (const std::string& event : request.events) bytes += static_cast<int64_t>(event.size());
  AppendQuotaArgs(quota, bytes, args);
  for (std::string& event : request.events) args.push_back(std::move(event));
  append_script_.Run(client_, std::move(script_keys), std::move(args),
                     [fingerprint = std::move(request.fingerprint),
                      organization = OrganizationOf(request.session_name),
                      done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                       if (!reply.ok()) {
                         std::move(done)(reply.status());
                         return;
                       }
                       std::move(done)(ParseAppendReply(*reply, fingerprint, organization));
                     });
}

void RedisEventLog::StoreSnapshot(absl::string_view session_name, int64_t version,
                                  std::string snapshot, LogCallback<bool> done) {
  absl::StatusOr<SessionKeys> keys = SessionKeys::For(session_name);
  if (!keys.ok()) {
    std::move(done)(keys.status());
    return;
  }
  snapshot_script_.Run(client_, {keys->snapshot}, {std::to_string(version), std::move(snapshot)},
                       [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                         if (!reply.ok()) {
                           std::move(done)(reply.status());
                         } else if (reply->is_error()) {
                           std::move(done)(absl::UnavailableError("redis refused the snapshot"));
                         } else {
                           std::move(done)(reply->integer == 1);
                         }
                       });
}

void RedisEventLog::Load(absl::string_view session_name, LogCallback<StoredSession> done) {
  absl::StatusOr<SessionKeys> keys = SessionKeys::For(session_name);
  if (!keys.ok()) {
    std::move(done)(keys.status());
    return;
  }
  load_script_.Run(client_, {keys->snapshot, keys->log}, {},
                   [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                     if (!reply.ok()) {
                       std::move(done)(reply.status());
                       return;
                     }
                     std::move(done)(ParseLoadReply(*std::move(reply)));
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
                    for (RedisValue& entry : reply->elements) {
                      // [id, [field, value]]
                      StoredEvent event;
                      if (entry.elements.size() != 2 || entry.elements[1].elements.size() != 2 ||
                          !ParseEventId(entry.elements[0].str, &event.sequence)) {
                        std::move(done)(UnexpectedReply("XRANGE"));
                        return;
                      }
                      event.data = std::move(entry.elements[1].elements[1].str);
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

bool ParseEventId(absl::string_view id, int64_t* sequence) {
  const size_t dash = id.find('-');
  return dash != absl::string_view::npos && id.substr(dash) == "-1" &&
         absl::SimpleAtoi(id.substr(0, dash), sequence);
}

void RedisEventLog::ListRecorded(absl::Time stored_before, int64_t offset, int count,
                                 LogCallback<std::vector<RecordedSession>> done) {
  client_.Command(
      {"ZRANGEBYSCORE", shared_.recorded, "-inf", absl::StrCat("(", Millis(stored_before)),
       "WITHSCORES", "LIMIT", absl::StrCat(offset), absl::StrCat(count)},
      [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
          return;
        }
        if (reply->type != RedisValue::Type::kArray || reply->elements.size() % 2 != 0) {
          std::move(done)(UnexpectedReply("ZRANGEBYSCORE"));
          return;
        }
        std::vector<RecordedSession> sessions;
        for (size_t i = 0; i < reply->elements.size(); i += 2) {
          int64_t millis = 0;
          if (!absl::SimpleAtoi(reply->elements[i + 1].str, &millis)) {
            std::move(done)(UnexpectedReply("ZRANGEBYSCORE"));
            return;
          }
          sessions.push_back({std::move(reply->elements[i].str), absl::FromUnixMillis(millis)});
        }
        std::move(done)(std::move(sessions));
      });
}

void RedisEventLog::Purge(absl::string_view session_name, absl::Time stored,
                          LogCallback<bool> done) {
  absl::StatusOr<SessionKeys> keys = SessionKeys::For(session_name);
  if (!keys.ok()) {
    std::move(done)(keys.status());
    return;
  }
  purge_script_.Run(
      client_,
      {keys->log, keys->snapshot, keys->requests, keys->team_index, shared_.phase_timers,
       shared_.record_outbox, shared_.running, shared_.recorded, keys->quota},
      {std::string(session_name), Millis(stored), keys->channel},
      [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
        } else if (reply->is_error()) {
          std::move(done)(absl::UnavailableError("redis refused the purge"));
        } else {
          std::move(done)(reply->integer == 1);
        }
      });
}

}  // namespace casework::session
