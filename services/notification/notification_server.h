// Everything the notification process runs besides the gRPC server kit, built in dependency order
// and torn down so that nothing calls into a part already gone: the Redis connection and the one
// wake-up subscription, the records client and the team directory (who is a member of which team),
// the session feeds, the organisation event log, feed and deriver, the reminders, and the gRPC
// handlers.
#ifndef SERVICES_NOTIFICATION_NOTIFICATION_SERVER_H_
#define SERVICES_NOTIFICATION_NOTIFICATION_SERVER_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/quota/quota_metrics.h"
#include "libs/quota/quota_policy.h"
#include "libs/records_client/records_client.h"
#include "libs/records_client/team_directory.h"
#include "libs/redis/redis_client.h"
#include "libs/redis/redis_subscriber.h"
#include "libs/server/grpc_server.h"
#include "libs/session_log/redis_event_log.h"
#include "services/notification/notification_grpc_service.h"
#include "services/notification/notification_metrics.h"
#include "services/notification/org_event_deriver.h"
#include "services/notification/org_event_log.h"
#include "services/notification/org_feed.h"
#include "services/notification/records_reminders.h"
#include "services/notification/session_feeds.h"
#include "services/notification/watcher_quota.h"

namespace casework::notification {

struct NotificationServerOptions {
  redis::RedisOptions redis;
  SessionFeedsOptions feeds;
  OrgFeedOptions organizations;
  DeriverOptions deriver;
  // The records service: always, for the team member lists every stream is admitted by (and
  // re-checked against, `members.ttl`); the binary also turns the reminders on.
  RecordsClientOptions records;
  TeamDirectoryOptions members;
  bool reminders_enabled = false;  // action-item and meeting reminders polled from records
  ReminderOptions reminders;
  size_t queue_capacity = 1024;  // frames per stream before it is cut off as too slow
  absl::Duration org_event_retention = OrgEventLog::kDefaultRetention;
  // Per-organisation quotas (--quota_file); this service enforces Quota::kWatchers.
  quota::QuotaPolicy quota;
};

class NotificationServer {
 public:
  static constexpr char kServiceName[] = "casework.v1.NotificationService";

  static absl::StatusOr<std::unique_ptr<NotificationServer>> Create(
      NotificationServerOptions options, prometheus::Registry& registry);
  ~NotificationServer();

  std::vector<ServiceBinding> bindings() { return {{service_.get(), kServiceName}}; }
  // Ready while Redis answers and the wake-up subscription is active.
  std::function<bool()> ready() const;
  // SIGTERM: every open stream ends UNAVAILABLE (SERVER_SHUTTING_DOWN) with its resume position,
  // and new ones are refused, before the server drains.
  void EndStreams();

  // Who is in which team, as this process last fetched it (tests read its fetch count).
  TeamDirectory& members() { return *members_; }
  // Open streams per organisation, as the quota counts them (tests read it).
  const WatcherQuota& watchers() const { return *watchers_; }

 private:
  NotificationServer() = default;
  void StartReminders(ReminderOptions options);

  std::unique_ptr<NotificationMetrics> metrics_;
  std::unique_ptr<quota::QuotaUsageGauges> quota_gauges_;
  std::unique_ptr<WatcherQuota> watchers_;
  std::unique_ptr<RecordsClient> records_;
  std::unique_ptr<TeamDirectory> members_;
  std::unique_ptr<redis::RedisClient> redis_;
  std::unique_ptr<session::RedisEventLog> log_;
  std::unique_ptr<SessionFeeds> feeds_;
  std::unique_ptr<OrgEventLog> org_log_;
  std::unique_ptr<OrgFeed> organizations_;
  std::unique_ptr<OrgEventDeriver> deriver_;
  std::unique_ptr<RecordsReminders> reminders_;
  std::unique_ptr<NotificationGrpcService> service_;
  std::unique_ptr<redis::RedisSubscriber> subscriber_;
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_NOTIFICATION_SERVER_H_
