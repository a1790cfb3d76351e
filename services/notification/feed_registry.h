// The feeds of one kind a process serves (a session's, an organisation's), keyed by name, and the
// ticker that drives them: it retries reads that failed during an outage, polls every feed now
// and then (a lost wake-up costs at most `poll_interval` of latency, never an event), has each
// feed re-check its watchers against their teams' member lists (team_membership.h) and drops
// feeds nobody watches any more. Shared by SessionFeeds and OrgFeed. The ticker is its own
// thread, so none of this runs on the Redis loop thread.
//
// Feed must offer: void Wake(); void Retry(); void RecheckMembers(); bool Unused();
//                  void FinishAll(absl::StatusCode, absl::string_view reason, absl::string_view);
#ifndef SERVICES_NOTIFICATION_FEED_REGISTRY_H_
#define SERVICES_NOTIFICATION_FEED_REGISTRY_H_

#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace casework::notification {

template <typename Feed>
class FeedRegistry {
 public:
  // Starts the ticker.
  FeedRegistry(absl::Duration retry_interval, absl::Duration poll_interval)
      : retry_interval_(retry_interval), poll_interval_(poll_interval) {
    ticker_ = std::thread([this] { Tick(); });
  }
  ~FeedRegistry() { StopTicker(); }
  FeedRegistry(const FeedRegistry&) = delete;
  FeedRegistry& operator=(const FeedRegistry&) = delete;

  // Stops the ticker (before what the feeds read with goes away). Idempotent.
  void StopTicker() {
    if (!stop_.HasBeenNotified()) stop_.Notify();
    if (ticker_.joinable()) ticker_.join();
  }

  // Calls `attach(feed)` with the feed of `key`, made by `make()` on first use, under the
  // registry's lock, so the ticker cannot drop the feed between the lookup and the attach.
  // False (and nothing called) once Shutdown ran.
  template <typename Make, typename Attach>
  bool WithFeed(const std::string& key, Make make, Attach attach) {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return false;
    std::shared_ptr<Feed>& slot = feeds_[key];
    if (slot == nullptr) slot = make();
    attach(slot);
    return true;
  }

  // Wakes the feed of `key`, if there is one (a wake-up message).
  void Wake(absl::string_view key) {
    IfPresent(key, [](Feed& feed) { feed.Wake(); });
  }

  // Calls `visit(feed)` with the feed of `key`, if there is one, outside the registry's lock.
  template <typename Visit>
  void IfPresent(absl::string_view key, Visit visit) {
    std::shared_ptr<Feed> feed;
    {
      absl::MutexLock lock(&mu_);
      auto it = feeds_.find(key);
      if (it == feeds_.end()) return;
      feed = it->second;
    }
    visit(*feed);
  }

  // Wakes every feed (after an outage of the subscription, anything published meanwhile is lost).
  void WakeAll() {
    for (const std::shared_ptr<Feed>& feed : Feeds()) feed->Wake();
  }

  // Ends every open stream UNAVAILABLE (SERVER_SHUTTING_DOWN, with its resume position) and
  // refuses new ones.
  void Shutdown() {
    std::vector<std::shared_ptr<Feed>> feeds;
    {
      absl::MutexLock lock(&mu_);
      shut_down_ = true;
      for (const auto& [key, feed] : feeds_) feeds.push_back(feed);
      feeds_.clear();
    }
    for (const std::shared_ptr<Feed>& feed : feeds) {
      feed->FinishAll(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
                      "the server is shutting down; resume after last_sequence on another replica");
    }
  }

  // The keys of the feeds there are.
  std::vector<std::string> Keys() {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> keys;
    for (const auto& [key, feed] : feeds_) keys.push_back(key);
    return keys;
  }

 private:
  std::vector<std::shared_ptr<Feed>> Feeds() {
    absl::MutexLock lock(&mu_);
    std::vector<std::shared_ptr<Feed>> feeds;
    for (const auto& [key, feed] : feeds_) feeds.push_back(feed);
    return feeds;
  }

  void Tick() {
    absl::Time next_poll = absl::Now() + poll_interval_;
    while (!stop_.WaitForNotificationWithTimeout(retry_interval_)) {
      const bool poll = absl::Now() >= next_poll;
      if (poll) next_poll = absl::Now() + poll_interval_;
      std::vector<std::shared_ptr<Feed>> feeds;
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
      for (const std::shared_ptr<Feed>& feed : feeds) {
        feed->Retry();
        feed->RecheckMembers();
        if (poll) feed->Wake();
      }
    }
  }

  const absl::Duration retry_interval_;
  const absl::Duration poll_interval_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Feed>> feeds_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  absl::Notification stop_;
  std::thread ticker_;  // last: started when everything it uses exists
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_FEED_REGISTRY_H_
