// OrgEventLog: keys, the append script and the reads.
#include "services/notification/org_event_log.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/status/errors.h"

extern const char kAppendOrgEventsLua[];

namespace casework::notification {
namespace {

using redis::RedisValue;

// Dedup keys outlive the events they stand for, so a late retry cannot append a dropped notice
// again.
constexpr absl::Duration kDedupRetention = absl::Hours(24 * 8);

absl::Status UnexpectedReply(absl::string_view what) {
  return absl::InternalError(absl::StrCat("unexpected reply from Redis to ", what));
}

}  // namespace

OrgKeys OrgKeys::For(absl::string_view organization) {
  // ':' never occurs in an id, so this tag cannot meet a session's "{team/session}".
  const std::string prefix = absl::StrCat("cw:", organization, ":{org:", organization, "}:");
  return OrgKeys{absl::StrCat(prefix, "events"), absl::StrCat(prefix, "seq"),
                 absl::StrCat(prefix, "sent"),   absl::StrCat(prefix, "cursors"),
                 absl::StrCat(prefix, "times"),  absl::StrCat(prefix, "wake")};
}

std::string OrgKeys::OrganizationOfChannel(absl::string_view channel) {
  const size_t tag = channel.find(":{org:");
  if (!absl::StartsWith(channel, "cw:") || tag == absl::string_view::npos ||
      !absl::EndsWith(channel, "}:wake")) {
    return "";
  }
  return std::string(channel.substr(3, tag - 3));
}

bool Addressed(absl::string_view recipients, absl::string_view subject,
               const VerifiedTeams& teams) {
  for (absl::string_view recipient : absl::StrSplit(recipients, ',', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kind_id =
        absl::StrSplit(recipient, absl::MaxSplits(':', 1));
    if (kind_id.first == "user" && !subject.empty() && kind_id.second == subject) return true;
    if (kind_id.first == "team" && teams.member_of.contains(kind_id.second)) return true;
    if (kind_id.first == "supervisor" && teams.supervisor_of.contains(kind_id.second)) return true;
  }
  return false;
}

OrgEventLog::OrgEventLog(redis::RedisClient& client, absl::Duration retention)
    : client_(client), retention_(retention), append_script_(kAppendOrgEventsLua) {}

void OrgEventLog::Append(absl::string_view organization, std::string cursor_field,
                         int64_t expected_cursor, int64_t new_cursor,
                         std::vector<OrgEventToAppend> events, absl::Time now,
                         OrgCallback<int64_t> done) {
  const OrgKeys keys = OrgKeys::For(organization);
  std::vector<std::string> args = {absl::StrCat(absl::ToUnixMillis(now)),
                                   std::move(cursor_field),
                                   absl::StrCat(expected_cursor),
                                   absl::StrCat(new_cursor),
                                   keys.channel,
                                   absl::StrCat(absl::ToInt64Milliseconds(
                                       std::max(kDedupRetention, retention_ + absl::Hours(24)))),
                                   absl::StrCat(absl::ToInt64Milliseconds(retention_))};
  for (OrgEventToAppend& event : events) {
    args.push_back(std::move(event.dedup_key));
    args.push_back(std::move(event.recipients));
    args.push_back(event.event.SerializeAsString());
  }
  append_script_.Run(
      client_, {keys.events, keys.sequence, keys.sent, keys.cursors, keys.append_times},
      std::move(args), [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
        if (!reply.ok()) {
          std::move(done)(reply.status());
          return;
        }
        if (reply->is_error()) {
          std::move(done)(absl::UnavailableError("redis refused the organisation event script"));
          return;
        }
        int64_t value = 0;
        if (reply->type != RedisValue::Type::kArray || reply->elements.size() != 2 ||
            !absl::SimpleAtoi(reply->elements[1].str, &value)) {
          std::move(done)(UnexpectedReply("append_org_events"));
          return;
        }
        if (reply->elements[0].str == "CONFLICT") {
          std::move(done)(Error(absl::StatusCode::kAborted, "CONCURRENT_MODIFICATION",
                                "another replica derived these events",
                                {{"current_cursor", reply->elements[1].str}}));
          return;
        }
        std::move(done)(value);
      });
}

void OrgEventLog::ReadAfter(absl::string_view organization, int64_t after_sequence, int max_count,
                            OrgCallback<std::vector<StoredOrgEvent>> done) {
  client_.Command({"XRANGE", OrgKeys::For(organization).events,
                   absl::StrCat("(", after_sequence, "-1"), "+", "COUNT", absl::StrCat(max_count)},
                  [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                    if (!reply.ok()) {
                      std::move(done)(reply.status());
                      return;
                    }
                    if (reply->type != RedisValue::Type::kArray) {
                      std::move(done)(UnexpectedReply("XRANGE"));
                      return;
                    }
                    std::vector<StoredOrgEvent> events;
                    for (const RedisValue& entry : reply->elements) {
                      // [id, ["to", recipients, "e", event]]
                      int64_t sequence = 0;
                      StoredOrgEvent event;
                      if (entry.elements.size() != 2 || entry.elements[1].elements.size() != 4 ||
                          !absl::SimpleAtoi(absl::string_view(entry.elements[0].str)
                                                .substr(0, entry.elements[0].str.find('-')),
                                            &sequence) ||
                          !event.event.ParseFromString(entry.elements[1].elements[3].str)) {
                        std::move(done)(UnexpectedReply("XRANGE"));
                        return;
                      }
                      event.recipients = entry.elements[1].elements[1].str;
                      event.event.set_sequence(sequence);
                      events.push_back(std::move(event));
                    }
                    std::move(done)(std::move(events));
                  });
}

void OrgEventLog::LastSequence(absl::string_view organization, OrgCallback<int64_t> done) {
  client_.Command({"GET", OrgKeys::For(organization).sequence},
                  [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                    int64_t value = 0;
                    if (!reply.ok()) {
                      std::move(done)(reply.status());
                    } else if (reply->is_nil()) {
                      std::move(done)(int64_t{0});
                    } else if (!absl::SimpleAtoi(reply->str, &value)) {
                      std::move(done)(UnexpectedReply("GET"));
                    } else {
                      std::move(done)(value);
                    }
                  });
}

void OrgEventLog::Cursor(absl::string_view organization, absl::string_view field,
                         OrgCallback<int64_t> done) {
  client_.Command({"HGET", OrgKeys::For(organization).cursors, std::string(field)},
                  [done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
                    int64_t value = 0;
                    if (!reply.ok()) {
                      std::move(done)(reply.status());
                    } else if (reply->is_nil()) {
                      std::move(done)(int64_t{0});
                    } else if (!absl::SimpleAtoi(reply->str, &value)) {
                      std::move(done)(UnexpectedReply("HGET"));
                    } else {
                      std::move(done)(value);
                    }
                  });
}

}  // namespace casework::notification
