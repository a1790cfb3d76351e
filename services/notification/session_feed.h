// One session's live feed, shared by all of its watchers in this process: the replay-then-live
// machine (replay_feed.h) over the session's log. The feed holds the session's state (the fold of
// its log) and its position; what it reads it folds and hands, projected per viewer, to the live
// watchers.
//
// What the session adds to the machine: a watcher is admitted once the feed has caught up only if
// they take part in the session (else exactly the missing session's NOT_FOUND); every frame is the
// viewer's projection; a replay whose position the log no longer holds gets a Resync (the viewer's
// projection of the snapshot + its sequence) and goes on from there, and a log that no longer
// continues the feed's position re-anchors the feed on the snapshot and resyncs every watcher;
// after SessionRecordStored (the log is complete) streams end OK; the retention purge (Purged)
// ends every stream NOT_FOUND.
//
// Watchers were admitted as members of the session's team (the handler asked the team's member
// list). On the ticker, whenever the directory holds the team's list fetched anew (at most once per
// ttl), every watcher is checked against it again: one no longer listed ends NOT_FOUND, exactly the
// answer for a missing session, within the ttl plus one records deadline of the removal. When the
// records service cannot answer, streams stay open: an outage does not cut watchers off.
//
// Threads (replay_feed.h): `state_` is confined to the Redis client's loop thread, where every
// fold, projection and push runs.
#ifndef SERVICES_NOTIFICATION_SESSION_FEED_H_
#define SERVICES_NOTIFICATION_SESSION_FEED_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "casework/v1/notification_service.pb.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session_command.pb.h"
#include "libs/records_client/team_directory.h"
#include "libs/session_log/redis_event_log.h"
#include "services/notification/notification_metrics.h"
#include "services/notification/replay_feed.h"
#include "services/notification/stream_writer.h"
#include "services/notification/team_membership.h"

namespace casework::notification {

using SessionStream = StreamWriter<casework::v1::WatchSessionResponse>;
using SessionFrame = Frame<casework::v1::WatchSessionResponse>;

// One WatchSession call as the feed sees it.
struct SessionWatcher : FeedWatcher<casework::v1::WatchSessionResponse> {
  SessionWatcher(casework::v1::Principal viewer_in, int64_t after_sequence,
                 std::shared_ptr<SessionStream> stream_in)
      : FeedWatcher(after_sequence, std::move(stream_in)), viewer(std::move(viewer_in)) {}

  const casework::v1::Principal viewer;
};

struct FeedOptions {
  int read_batch = 256;  // events per XRANGE
};

class SessionFeed final : public ReplayLiveFeed<SessionWatcher, session::StoredEvent> {
 public:
  SessionFeed(std::string session_name, session::RedisEventLog& log, FeedOptions options,
              NotificationMetrics& metrics, TeamDirectory& members);

  // The retention purge deleted the session's live log: every stream ends NOT_FOUND now (with its
  // last written sequence), and the next read loads the session again (finding it gone).
  void Purged();
  // Periodic: re-check the watchers when the team's member list was fetched anew.
  void RecheckMembers();

 private:
  // The machine's hooks (replay_feed.h).
  void Load() override;
  void ReadAfter(int64_t after, int count, ReadDone done) override;
  int64_t SequenceOf(const session::StoredEvent& event) const override { return event.sequence; }
  bool TakeIn(const std::vector<session::StoredEvent>& stored, int64_t position) override;
  absl::Status Admit(const SessionWatcher& watcher) override;
  bool Replay(const std::shared_ptr<SessionWatcher>& watcher,
              const session::StoredEvent& stored) override;
  void Unavailable(const std::shared_ptr<SessionWatcher>& watcher, int64_t after,
                   const std::vector<session::StoredEvent>& retained) override;

  void OnSnapshot(absl::StatusOr<session::StoredSession> snapshot, bool reanchor);
  void Deliver(const std::vector<std::shared_ptr<SessionWatcher>>& live,
               const std::vector<casework::v1::SessionEvent>& events);
  void SendResync(const std::shared_ptr<SessionWatcher>& watcher,
                  casework::v1::ResyncReason reason);
  void RecheckWatchers();

  const std::string name_;
  const std::string team_;  // organizations/{org}/teams/{team}
  session::RedisEventLog& log_;
  NotificationMetrics& metrics_;
  TeamDirectory& members_;
  const std::shared_ptr<MemberListChanges> member_lists_;

  casework::v1::SessionSnapshot state_;  // loop thread only
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_SESSION_FEED_H_
