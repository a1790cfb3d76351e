// The process's session feeds, keyed by the session's wake-up channel, and what drives them: the
// one pattern subscription (a message wakes the session's feed; every re-subscription after an
// outage wakes all of them, since anything published meanwhile was lost), and a ticker that
// retries reads that failed during an outage, polls every feed now and then (a lost wake-up costs
// at most `poll_interval` of latency, never an event), has the feeds re-check their watchers
// against the team's member list in `members`, and drops feeds nobody watches.
#ifndef SERVICES_NOTIFICATION_SESSION_FEEDS_H_
#define SERVICES_NOTIFICATION_SESSION_FEEDS_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/notification/feed_registry.h"
#include "services/notification/session_feed.h"

namespace casework::notification {

struct SessionFeedsOptions {
  FeedOptions feed;
  absl::Duration retry_interval = absl::Milliseconds(100);
  absl::Duration poll_interval = absl::Seconds(1);
};

class SessionFeeds {
 public:
  SessionFeeds(session::RedisEventLog& log, SessionFeedsOptions options,
               NotificationMetrics& metrics, TeamDirectory& members);
  ~SessionFeeds();  // stops the ticker

  // Stops the retry/poll ticker (before the Redis client it sends on goes away).
  void StopTicker();

  // Starts serving `watcher` on the session's feed (created on first use). False once Shutdown
  // ran: the caller ends the stream itself.
  bool Attach(const std::string& session_name, std::shared_ptr<SessionWatcher> watcher);

  // Subscriber callbacks (the subscriber's loop thread).
  // A wake-up wakes the session's feed; "purged" (the retention purge deleted the session's
  // live log) ends its watchers NOT_FOUND.
  void OnWakeMessage(absl::string_view channel, absl::string_view message);
  void WakeAll();

  // Ends every open stream UNAVAILABLE (SERVER_SHUTTING_DOWN, last_sequence) and refuses new ones.
  void Shutdown();

 private:
  session::RedisEventLog& log_;
  const SessionFeedsOptions options_;
  NotificationMetrics& metrics_;
  TeamDirectory& members_;
  FeedRegistry<SessionFeed> feeds_;  // by wake-up channel
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_SESSION_FEEDS_H_
