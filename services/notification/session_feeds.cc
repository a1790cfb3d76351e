// SessionFeeds: the feed registry, wake-up dispatch and the retry/poll ticker.
#include "services/notification/session_feeds.h"

#include <vector>

#include "absl/time/clock.h"
#include "services/session/store/session_keys.h"

namespace casework::notification {

SessionFeeds::SessionFeeds(session::RedisEventLog& log, SessionFeedsOptions options,
                           NotificationMetrics& metrics)
    : log_(log), options_(options), metrics_(metrics) {
  ticker_ = std::thread([this] { Tick(); });
}

SessionFeeds::~SessionFeeds() { StopTicker(); }

void SessionFeeds::StopTicker() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (ticker_.joinable()) ticker_.join();
}

bool SessionFeeds::Attach(const std::string& session_name,
                          std::shared_ptr<SessionWatcher> watcher) {
  absl::StatusOr<session::SessionKeys> keys = session::SessionKeys::For(session_name);
  if (!keys.ok()) return false;
  std::shared_ptr<SessionFeed> feed;
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return false;
    std::shared_ptr<SessionFeed>& slot = feeds_[keys->channel];
    if (slot == nullptr) {
      slot = std::make_shared<SessionFeed>(session_name, log_, options_.feed, metrics_);
    }
    feed = slot;
    // Pulls the next replay batch when the client has read enough of the last one.
    watcher->stream->set_on_room([weak_feed = std::weak_ptr<SessionFeed>(feed),
                                  weak_watcher = std::weak_ptr<SessionWatcher>(watcher)] {
      std::shared_ptr<SessionFeed> f = weak_feed.lock();
      std::shared_ptr<SessionWatcher> w = weak_watcher.lock();
      if (f != nullptr && w != nullptr) f->PullReplayFromStream(w);
    });
    // Under mu_, so the ticker cannot drop the feed between lookup and attach.
    feed->Attach(std::move(watcher));
  }
  return true;
}

void SessionFeeds::OnWakeMessage(absl::string_view channel) {
  std::shared_ptr<SessionFeed> feed;
  {
    absl::MutexLock lock(&mu_);
    auto it = feeds_.find(channel);
    if (it == feeds_.end()) return;
    feed = it->second;
  }
  feed->Wake();
}

void SessionFeeds::WakeAll() {
  std::vector<std::shared_ptr<SessionFeed>> feeds;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [channel, feed] : feeds_) feeds.push_back(feed);
  }
  for (const auto& feed : feeds) feed->Wake();
}

void SessionFeeds::Shutdown() {
  std::vector<std::shared_ptr<SessionFeed>> feeds;
  {
    absl::MutexLock lock(&mu_);
    shut_down_ = true;
    for (const auto& [channel, feed] : feeds_) feeds.push_back(feed);
    feeds_.clear();
  }
  for (const auto& feed : feeds) {
    feed->FinishAll(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
                    "the server is shutting down; resume after last_sequence on another replica");
  }
}

void SessionFeeds::Tick() {
  absl::Time next_poll = absl::Now() + options_.poll_interval;
  while (!stop_.WaitForNotificationWithTimeout(options_.retry_interval)) {
    const bool poll = absl::Now() >= next_poll;
    if (poll) next_poll = absl::Now() + options_.poll_interval;
    std::vector<std::shared_ptr<SessionFeed>> feeds;
    {
      absl::MutexLock lock(&mu_);
      for (auto it = feeds_.begin(); it != feeds_.end();) {
        if (it->second->Unused()) {
          feeds_.erase(it++);
        } else {
          feeds.push_back(it->second);
          ++it;
        }
      }
    }
    for (const auto& feed : feeds) {
      feed->Retry();
      if (poll) feed->Wake();
    }
  }
}

}  // namespace casework::notification
