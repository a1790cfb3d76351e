// An organisation's event log on Redis: a stream of OrganizationEvents with their recipients,
// numbered by an organisation-wide sequence, appended at most once per dedup key by one Lua script
// (append_org_events.lua) that can also advance a derivation cursor in the same step. All keys of
// an organisation share the hash tag {org:<org>} so the script touches one Redis Cluster slot.
//
// Recipients are a comma-separated list of "user:<subject>", "team:<team id>" (the team's members:
// its member list names them and their `teams` claim holds it) and "supervisor:<team id>" (the
// member whose entry in that list holds TEAM_ROLE_SUPERVISOR; a token's roles play no part).
#ifndef SERVICES_NOTIFICATION_ORG_EVENT_LOG_H_
#define SERVICES_NOTIFICATION_ORG_EVENT_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casework/v1/organization_event.pb.h"
#include "libs/redis/redis_client.h"
#include "libs/redis/redis_script.h"
#include "services/notification/team_membership.h"

namespace casework::notification {

struct OrgKeys {
  std::string events;
  std::string sequence;
  std::string sent;
  std::string cursors;
  std::string append_times;
  std::string channel;

  static OrgKeys For(absl::string_view organization);
  // The organisation whose wake-up channel `channel` is, or "" for any other channel.
  static std::string OrganizationOfChannel(absl::string_view channel);
};

struct OrgEventToAppend {
  std::string dedup_key;                  // the same reminder always has the same key
  std::string recipients;                 // see above
  casework::v1::OrganizationEvent event;  // sequence is assigned by the log
};

struct StoredOrgEvent {
  std::string recipients;
  casework::v1::OrganizationEvent event;  // with its sequence
};

// Whether `recipients` address the viewer with `subject` and the confirmed `teams`.
bool Addressed(absl::string_view recipients, absl::string_view subject, const VerifiedTeams& teams);

template <typename T>
using OrgCallback = absl::AnyInvocable<void(absl::StatusOr<T>) &&>;

class OrgEventLog {
 public:
  // Events are kept this long after their append (the API promises 7 days).
  static constexpr absl::Duration kDefaultRetention = absl::Hours(24 * 7);

  explicit OrgEventLog(redis::RedisClient& client, absl::Duration retention = kDefaultRetention);

  // Appends the events not appended before (by dedup key). With `cursor_field` set, first checks
  // that the field's cursor is `expected_cursor` (else ABORTED CONCURRENT_MODIFICATION with
  // metadata current_cursor) and sets it to `new_cursor`. Drops the events appended longer than
  // the retention before `now`. Answers the log's last sequence.
  void Append(absl::string_view organization, std::string cursor_field, int64_t expected_cursor,
              int64_t new_cursor, std::vector<OrgEventToAppend> events, absl::Time now,
              OrgCallback<int64_t> done);

  // Up to `max_count` events with sequence > after_sequence, in order. Sequences are contiguous,
  // so a first event beyond after_sequence + 1 means the events between were dropped.
  void ReadAfter(absl::string_view organization, int64_t after_sequence, int max_count,
                 OrgCallback<std::vector<StoredOrgEvent>> done);

  // The last sequence appended (0 for none).
  void LastSequence(absl::string_view organization, OrgCallback<int64_t> done);

  // The derivation cursor of `field` (0 when none).
  void Cursor(absl::string_view organization, absl::string_view field, OrgCallback<int64_t> done);

 private:
  redis::RedisClient& client_;
  const absl::Duration retention_;
  redis::RedisScript append_script_;
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_ORG_EVENT_LOG_H_
