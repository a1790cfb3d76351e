#include "services/notification/notification_flags.h"

#include <string>
#include <utility>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

ABSL_FLAG(std::string, redis_address, "127.0.0.1:6379", "Redis host:port (the session logs)");
ABSL_FLAG(std::string, records_address, "127.0.0.1:50052",
          "casework-records host:port: team member lists (who may watch), action-item and meeting "
          "reminders, the audit trail");
ABSL_FLAG(std::string, records_token_file, "", "the notification service's token (re-read)");
ABSL_FLAG(std::string, records_hs256_key_file, "",
          "development: mint that token with this key (default: --jwt_hs256_key_file when no "
          "token file is given)");
ABSL_DECLARE_FLAG(std::string, jwt_hs256_key_file);
ABSL_FLAG(absl::Duration, org_event_retention, absl::Hours(24 * 7),
          "how long organisation events stay resumable (WatchOrganization after_sequence)");
ABSL_FLAG(absl::Duration, team_members_ttl, absl::Seconds(5),
          "how long a team's member list is trusted: a removed member's streams end within it "
          "(plus one records deadline)");
ABSL_FLAG(int, watch_queue_frames, 1024,
          "frames a stream may have queued before it ends RESOURCE_EXHAUSTED (client too slow)");

namespace casework::notification {

absl::StatusOr<NotificationServerOptions> NotificationOptionsFromFlags(
    const ServerOptions& server) {
  NotificationServerOptions options;
  std::pair<std::string, std::string> redis =
      absl::StrSplit(absl::GetFlag(FLAGS_redis_address), ':');
  options.redis.host = redis.first;
  if (!absl::SimpleAtoi(redis.second, &options.redis.port)) {
    return absl::InvalidArgumentError("--redis_address must be host:port");
  }
  if (absl::GetFlag(FLAGS_watch_queue_frames) < 2) {
    return absl::InvalidArgumentError("--watch_queue_frames must be at least 2");
  }
  options.queue_capacity = absl::GetFlag(FLAGS_watch_queue_frames);
  options.org_event_retention = absl::GetFlag(FLAGS_org_event_retention);
  if (options.org_event_retention <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--org_event_retention must be positive");
  }
  options.records.address = absl::GetFlag(FLAGS_records_address);
  if (options.records.address.empty()) {
    return absl::InvalidArgumentError(
        "--records_address is required: who may watch a team's sessions comes from its member "
        "list in the records service");
  }
  options.reminders_enabled = true;
  options.members.ttl = absl::GetFlag(FLAGS_team_members_ttl);
  if (options.members.ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--team_members_ttl must not be negative");
  }
  options.records.token_file = absl::GetFlag(FLAGS_records_token_file);
  options.records.hs256_key_file = absl::GetFlag(FLAGS_records_hs256_key_file);
  if (options.records.token_file.empty() && options.records.hs256_key_file.empty()) {
    options.records.hs256_key_file = absl::GetFlag(FLAGS_jwt_hs256_key_file);
  }
  options.records.role = "notification-service";
  options.records.issuer = server.auth.issuer;
  options.records.audience = server.auth.audience;
  return options;
}

}  // namespace casework::notification
