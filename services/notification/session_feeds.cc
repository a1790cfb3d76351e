// SessionFeeds: the sessions' feeds by wake-up channel (FeedRegistry: registry and ticker).
#include "services/notification/session_feeds.h"

#include "libs/session_log/session_keys.h"

namespace casework::notification {

SessionFeeds::SessionFeeds(session::RedisEventLog& log, SessionFeedsOptions options,
                           NotificationMetrics& metrics, TeamDirectory& members)
    : log_(log),
      options_(options),
      metrics_(metrics),
      members_(members),
      feeds_(options.retry_interval, options.poll_interval) {}

SessionFeeds::~SessionFeeds() { StopTicker(); }

void SessionFeeds::StopTicker() { feeds_.StopTicker(); }

bool SessionFeeds::Attach(const std::string& session_name,
                          std::shared_ptr<SessionWatcher> watcher) {
  absl::StatusOr<session::SessionKeys> keys = session::SessionKeys::For(session_name);
  if (!keys.ok()) return false;
  return feeds_.WithFeed(
      keys->channel,
      [&] {
        return std::make_shared<SessionFeed>(session_name, log_, options_.feed, metrics_, members_);
      },
      [&watcher](const std::shared_ptr<SessionFeed>& feed) { feed->Attach(std::move(watcher)); });
}

void SessionFeeds::OnWakeMessage(absl::string_view channel, absl::string_view message) {
  if (message == session::kPurgedWake) {
    feeds_.IfPresent(channel, [](SessionFeed& feed) { feed.Purged(); });
    return;
  }
  feeds_.Wake(channel);
}

void SessionFeeds::WakeAll() { feeds_.WakeAll(); }

void SessionFeeds::Shutdown() { feeds_.Shutdown(); }

}  // namespace casework::notification
