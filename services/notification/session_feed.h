// One session's live feed, shared by all of its watchers in this process. The feed holds the
// session's state (the fold of its log) and its position; a wake-up (pub/sub message, Redis
// re-subscription, or the periodic poll) makes it read the stream after its position, fold what it
// finds and hand each event, projected per viewer, to the watchers that are live.
//
// A watcher starts at `after_sequence`: once the feed has caught up with the stream it is checked
// (may the caller watch? is the position beyond the last sequence?), then replays from the stream
// up to the feed's position — in batches pulled only while its queue has room — and turns live
// under the feed's mutex exactly when its cursor meets the feed's position. Live events are only
// delivered past that position, so the switch has no gap and no duplicate. A position the stream
// no longer holds gets a Resync (snapshot + sequence) instead of a silent skip.
//
// Watchers were admitted as members of the session's team (the handler asked the team's member
// list). On the ticker, whenever the directory holds the team's list fetched anew (at most once per
// ttl), every watcher is checked against it again: one no longer listed ends NOT_FOUND, exactly the
// answer for a missing session, within the ttl plus one records deadline of the removal. When the
// records service cannot answer, streams stay open: an outage does not cut watchers off.
//
// Threads: every Redis reply (and therefore every fold, projection and push) runs on the Redis
// client's loop thread, one at a time, which orders each watcher's frames. `state_` is confined to
// that thread; `mu_` guards what gRPC threads touch (watchers, position, flags).
#ifndef SERVICES_NOTIFICATION_SESSION_FEED_H_
#define SERVICES_NOTIFICATION_SESSION_FEED_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "casework/v1/notification_service.pb.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session_command.pb.h"
#include "libs/records_client/team_directory.h"
#include "libs/session_log/redis_event_log.h"
#include "services/notification/notification_metrics.h"
#include "services/notification/stream_writer.h"
#include "services/notification/team_membership.h"

namespace casework::notification {

using SessionStream = StreamWriter<casework::v1::WatchSessionResponse>;
using SessionFrame = Frame<casework::v1::WatchSessionResponse>;

// One WatchSession call as the feed sees it.
struct SessionWatcher {
  enum class Mode { kPending, kReplaying, kLive, kRefused };

  SessionWatcher(casework::v1::Principal viewer_in, int64_t after_sequence,
                 std::shared_ptr<SessionStream> stream_in)
      : viewer(std::move(viewer_in)), stream(std::move(stream_in)), cursor(after_sequence) {}

  const casework::v1::Principal viewer;
  const std::shared_ptr<SessionStream> stream;
  // Guarded by the feed's mutex.
  int64_t cursor;  // the last sequence queued to the stream
  Mode mode = Mode::kPending;
  bool replay_in_flight = false;
  bool replay_failed = false;
};

struct FeedOptions {
  int read_batch = 256;  // events per XRANGE
};

class SessionFeed : public std::enable_shared_from_this<SessionFeed> {
 public:
  SessionFeed(std::string session_name, session::RedisEventLog& log, FeedOptions options,
              NotificationMetrics& metrics, TeamDirectory& members);

  void Attach(std::shared_ptr<SessionWatcher> watcher);
  // New events may exist: read the stream after the feed's position.
  void Wake();
  // The retention purge deleted the session's live log: every stream ends NOT_FOUND now (with its
  // last written sequence), and the next read loads the session again (finding it gone).
  void Purged();
  // Periodic: re-issue reads that failed (Redis outage) and prune finished watchers.
  void Retry();
  // Periodic: re-check the watchers when the team's member list was fetched anew.
  void RecheckMembers();
  // Ends every stream now with `code`/`reason` and its last written sequence (shutdown).
  void FinishAll(absl::StatusCode code, absl::string_view reason, absl::string_view message);
  // No watchers left and nothing in flight: the registry may drop the feed.
  bool Unused();

 private:
  void StartRead();
  void OnSnapshot(absl::StatusOr<session::StoredSession> snapshot, bool reanchor);
  void OnRead(absl::StatusOr<std::vector<session::StoredEvent>> events);
  void Deliver(const std::vector<casework::v1::SessionEvent>& events);
  void EvaluatePending();
  void PullReplay(const std::shared_ptr<SessionWatcher>& watcher);
  void OnReplay(const std::shared_ptr<SessionWatcher>& watcher, int64_t after,
                absl::StatusOr<std::vector<session::StoredEvent>> events);
  void SendResync(const std::shared_ptr<SessionWatcher>& watcher,
                  casework::v1::ResyncReason reason);
  void ReadFinished();
  void RecheckWatchers();
  // Ends a watcher the member list no longer names, as if the session did not exist.
  void EndRemoved(const std::shared_ptr<SessionWatcher>& watcher);
  friend class SessionFeeds;
  void PullReplayFromStream(const std::shared_ptr<SessionWatcher>& watcher) { PullReplay(watcher); }

  const std::string name_;
  const std::string team_;  // organizations/{org}/teams/{team}
  session::RedisEventLog& log_;
  const FeedOptions options_;
  NotificationMetrics& metrics_;
  TeamDirectory& members_;
  const std::shared_ptr<MemberListChanges> member_lists_;

  casework::v1::SessionSnapshot state_;  // loop thread only

  absl::Mutex mu_;
  std::vector<std::shared_ptr<SessionWatcher>> watchers_ ABSL_GUARDED_BY(mu_);
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
  bool reload_ ABSL_GUARDED_BY(mu_) = false;  // purged: the next read loads the session again
  int64_t position_ ABSL_GUARDED_BY(mu_) = 0;
  bool recorded_ ABSL_GUARDED_BY(mu_) = false;  // SessionRecordStored reached: nothing follows
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool read_failed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_SESSION_FEED_H_
