// NotificationServer: the process's object graph and its teardown order.
#include "services/notification/notification_server.h"

#include <algorithm>
#include <utility>

namespace casework::notification {

absl::StatusOr<std::unique_ptr<NotificationServer>> NotificationServer::Create(
    NotificationServerOptions options, prometheus::Registry& registry) {
  options.records.role = "notification-service";
  absl::StatusOr<std::unique_ptr<RecordsClient>> records = RecordsClient::Create(options.records);
  if (!records.ok()) return records.status();  // before anything the destructor tears down
  std::unique_ptr<NotificationServer> server(new NotificationServer);
  server->metrics_ = std::make_unique<NotificationMetrics>(registry);
  server->quota_gauges_ = std::make_unique<quota::QuotaUsageGauges>(registry);
  server->watchers_ =
      std::make_unique<WatcherQuota>(std::move(options.quota), *server->quota_gauges_);
  server->records_ = *std::move(records);
  server->members_ = std::make_unique<TeamDirectory>(server->records_.get(), options.members);
  server->redis_ = redis::RedisClient::Start(options.redis);
  server->log_ = std::make_unique<session::RedisEventLog>(*server->redis_);
  server->feeds_ = std::make_unique<SessionFeeds>(*server->log_, options.feeds, *server->metrics_,
                                                  *server->members_);
  server->org_log_ = std::make_unique<OrgEventLog>(*server->redis_, options.org_event_retention);
  server->organizations_ =
      std::make_unique<OrgFeed>(*server->org_log_, options.organizations, *server->members_);
  server->deriver_ = std::make_unique<OrgEventDeriver>(*server->redis_, *server->log_,
                                                       *server->org_log_, options.deriver);
  if (options.reminders_enabled) server->StartReminders(options.reminders);
  server->service_ = std::make_unique<NotificationGrpcService>(
      *server->feeds_, *server->organizations_, *server->members_, *server->metrics_,
      *server->watchers_, options.queue_capacity);
  // One pattern subscription for the whole process: session and organisation wake-ups alike.
  SessionFeeds* feeds = server->feeds_.get();
  OrgFeed* organizations = server->organizations_.get();
  OrgEventDeriver* deriver = server->deriver_.get();
  redis::SubscriberCallbacks callbacks;
  callbacks.on_message = [feeds, organizations, deriver](absl::string_view channel,
                                                         absl::string_view message) {
    if (organizations->OnWakeMessage(channel)) return;
    feeds->OnWakeMessage(channel, message);
    deriver->OnSessionWake(channel, message);
  };
  callbacks.on_subscribed = [feeds, organizations, deriver] {
    // Whatever was published while the subscription was down is read from the streams now.
    feeds->WakeAll();
    organizations->WakeAll();
    deriver->Reconcile();
  };
  server->subscriber_ =
      redis::RedisSubscriber::Start(options.redis, "cw:*:wake", std::move(callbacks));
  return server;
}

void NotificationServer::StartReminders(ReminderOptions options) {
  reminders_ = std::make_unique<RecordsReminders>(
      *records_, *org_log_, options,
      [organizations = organizations_.get(), deriver = deriver_.get()] {
        std::vector<std::string> all = deriver->Organizations();
        for (std::string& organization : organizations->Organizations()) {
          if (std::find(all.begin(), all.end(), organization) == all.end()) {
            all.push_back(std::move(organization));
          }
        }
        return all;
      });
}

NotificationServer::~NotificationServer() {
  subscriber_.reset();  // no more wake-ups
  feeds_->Shutdown();   // idempotent after EndStreams
  organizations_->Shutdown();
  // Tickers stop before the Redis client they send on; the client then answers what is pending
  // while the feeds (kept alive by their callbacks), the log and the metrics still exist.
  feeds_->StopTicker();
  organizations_->StopTicker();
  deriver_->StopTicker();
  reminders_.reset();
  // Waits for the member-list fetches in flight: their answers reach the handlers and feeds (shut
  // down: nothing more is attached) while those still exist.
  members_.reset();
  redis_.reset();
}

std::function<bool()> NotificationServer::ready() const {
  return [redis = redis_.get(), subscriber = subscriber_.get()] {
    return redis->healthy() && subscriber->subscribed();
  };
}

void NotificationServer::EndStreams() {
  feeds_->Shutdown();
  organizations_->Shutdown();
}

}  // namespace casework::notification
