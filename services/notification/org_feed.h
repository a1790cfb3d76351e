// WatchOrganization: per organisation one feed over its event log (org_event_log.h), shared by
// that organisation's watchers in this process, filtered per watcher to the events addressed to
// them and of the kinds they asked for. The same replay-then-live switch as the session feeds
// (session_feed.h): the watcher is judged once the feed has caught up, replays up to the feed's
// position in batches its queue has room for, and turns live under the feed's mutex. Wake-ups
// come from the organisation's channel on the process's one pattern subscription; a ticker
// retries failed reads, polls now and then and drops feeds nobody watches.
//
// Notices addressed to a team ("team:<t>") or its supervisor ("supervisor:<t>") reach a watcher
// only while the team's member list names them (as supervisor, for the latter): each watcher
// carries its VerifiedTeams (team_membership.h), resolved before it attaches and re-checked on the
// ticker whenever the directory holds a list fetched anew (at most once per ttl per team), off
// the Redis loop thread. When the records service cannot answer, a watcher keeps what was last
// confirmed.
#ifndef SERVICES_NOTIFICATION_ORG_FEED_H_
#define SERVICES_NOTIFICATION_ORG_FEED_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "casework/v1/notification_service.pb.h"
#include "casework/v1/principal.pb.h"
#include "services/notification/feed_registry.h"
#include "services/notification/notification_metrics.h"
#include "services/notification/org_event_log.h"
#include "services/notification/stream_writer.h"
#include "services/notification/team_membership.h"

namespace casework::notification {

using OrgStream = StreamWriter<casework::v1::WatchOrganizationResponse>;
using OrgFrame = Frame<casework::v1::WatchOrganizationResponse>;

// One WatchOrganization call as the feed sees it.
class OrgWatcher {
 public:
  enum class Mode { kPending, kReplaying, kLive, kRefused };

  OrgWatcher(casework::v1::Principal viewer_in,
             std::vector<casework::v1::OrganizationEventKind> kinds_in, int64_t after_sequence,
             std::shared_ptr<OrgStream> stream_in, VerifiedTeams teams)
      : viewer(std::move(viewer_in)),
        kinds(std::move(kinds_in)),
        stream(std::move(stream_in)),
        cursor(after_sequence),
        teams_(std::move(teams)) {}

  // Addressed to the viewer (by subject, or by a team whose member list names them) and of a kind
  // they asked for.
  bool Wants(const StoredOrgEvent& event) const;
  // Takes in the member list's answer for one of the viewer's teams (VerifiedTeams::Apply).
  void Reverified(const std::string& team_id,
                  const absl::StatusOr<casework::v1::TeamMember>& member);

  const casework::v1::Principal viewer;
  const std::vector<casework::v1::OrganizationEventKind> kinds;  // empty: all
  const std::shared_ptr<OrgStream> stream;
  // Guarded by the feed's mutex.
  int64_t cursor;  // the last organisation sequence considered for this watcher
  Mode mode = Mode::kPending;
  bool replay_in_flight = false;
  bool replay_failed = false;

 private:
  mutable absl::Mutex teams_mu_;  // Wants runs on the loop thread, Reverified on others
  VerifiedTeams teams_ ABSL_GUARDED_BY(teams_mu_);
};

casework::v1::OrganizationEventKind KindOf(const casework::v1::OrganizationEvent& event);

struct OrgFeedOptions {
  int read_batch = 256;
  absl::Duration retry_interval = absl::Milliseconds(100);
  absl::Duration poll_interval = absl::Seconds(1);
};

// One organisation's feed.
class OrgLogFeed : public std::enable_shared_from_this<OrgLogFeed> {
 public:
  OrgLogFeed(std::string organization, OrgEventLog& log, int read_batch, TeamDirectory& members);

  void Attach(std::shared_ptr<OrgWatcher> watcher);
  void Wake();
  void Retry();
  // The ticker: re-checks the watchers of each team whose member list was fetched anew.
  void RecheckMembers();
  void FinishAll(absl::StatusCode code, absl::string_view reason, absl::string_view message);
  bool Unused();
  void PullReplay(const std::shared_ptr<OrgWatcher>& watcher);

 private:
  void StartRead();
  void OnRead(absl::StatusOr<std::vector<StoredOrgEvent>> events);
  void EvaluatePending();
  void OnReplay(const std::shared_ptr<OrgWatcher>& watcher, int64_t after, int count,
                absl::StatusOr<std::vector<StoredOrgEvent>> events);
  // Ends the watcher's stream OUT_OF_RANGE: events after `after` were dropped by the retention.
  void NotRetained(const std::shared_ptr<OrgWatcher>& watcher, int64_t after,
                   const std::vector<StoredOrgEvent>& retained);
  void RecheckTeam(const std::string& team);

  const std::string organization_;
  OrgEventLog& log_;
  const int read_batch_;
  TeamDirectory& members_;
  const std::shared_ptr<MemberListChanges> member_lists_;

  absl::Mutex mu_;
  std::vector<std::shared_ptr<OrgWatcher>> watchers_ ABSL_GUARDED_BY(mu_);
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
  int64_t position_ ABSL_GUARDED_BY(mu_) = 0;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool read_failed_ ABSL_GUARDED_BY(mu_) = false;
};

// The organisation feeds of this process.
class OrgFeed {
 public:
  OrgFeed(OrgEventLog& log, OrgFeedOptions options, TeamDirectory& members);
  ~OrgFeed();

  bool Attach(std::shared_ptr<OrgWatcher> watcher);  // false once Shutdown ran
  // True when `channel` is an organisation's wake-up channel (then its feed, if any, reads).
  bool OnWakeMessage(absl::string_view channel);
  void WakeAll();
  void Shutdown();
  void StopTicker();
  // The organisations with open streams here.
  std::vector<std::string> Organizations();

 private:
  OrgEventLog& log_;
  const OrgFeedOptions options_;
  TeamDirectory& members_;
  FeedRegistry<OrgLogFeed> feeds_;  // by organisation
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_ORG_FEED_H_
