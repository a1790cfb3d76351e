// WatchOrganization: per organisation one feed over its event log (org_event_log.h), shared by
// that organisation's watchers in this process: the replay-then-live machine (replay_feed.h),
// filtered per watcher to the events addressed to them and of the kinds they asked for.
// `after_sequence` 0 means from now on. A position the log no longer holds (dropped by the
// retention) ends the stream OUT_OF_RANGE with first_sequence and last_sequence, for a replaying
// watcher and for live ones when the feed itself finds a gap (only after a very long stall).
// Wake-ups come from the organisation's channel on the process's one pattern subscription; a
// ticker retries failed reads, polls now and then and drops feeds nobody watches.
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
#include "services/notification/replay_feed.h"
#include "services/notification/stream_writer.h"
#include "services/notification/team_membership.h"

namespace casework::notification {

using OrgStream = StreamWriter<casework::v1::WatchOrganizationResponse>;
using OrgFrame = Frame<casework::v1::WatchOrganizationResponse>;

// One WatchOrganization call as the feed sees it.
class OrgWatcher : public FeedWatcher<casework::v1::WatchOrganizationResponse> {
 public:
  OrgWatcher(casework::v1::Principal viewer_in,
             std::vector<casework::v1::OrganizationEventKind> kinds_in, int64_t after_sequence,
             std::shared_ptr<OrgStream> stream_in, VerifiedTeams teams)
      : FeedWatcher(after_sequence, std::move(stream_in)),
        viewer(std::move(viewer_in)),
        kinds(std::move(kinds_in)),
        teams_(std::move(teams)) {}

  // Addressed to the viewer (by subject, or by a team whose member list names them) and of a kind
  // they asked for.
  bool Wants(const StoredOrgEvent& event) const;
  // Takes in the member list's answer for one of the viewer's teams (VerifiedTeams::Apply).
  void Reverified(const std::string& team_id,
                  const absl::StatusOr<casework::v1::TeamMember>& member);

  const casework::v1::Principal viewer;
  const std::vector<casework::v1::OrganizationEventKind> kinds;  // empty: all

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
class OrgLogFeed final : public ReplayLiveFeed<OrgWatcher, StoredOrgEvent> {
 public:
  OrgLogFeed(std::string organization, OrgEventLog& log, int read_batch, TeamDirectory& members);

  // The ticker: re-checks the watchers of each team whose member list was fetched anew.
  void RecheckMembers();

 private:
  // The machine's hooks (replay_feed.h).
  void Load() override;
  void ReadAfter(int64_t after, int count, ReadDone done) override;
  int64_t SequenceOf(const StoredOrgEvent& event) const override { return event.event.sequence(); }
  bool TakeIn(const std::vector<StoredOrgEvent>& events, int64_t position) override;
  absl::Status Admit(const OrgWatcher& watcher) override;
  bool Replay(const std::shared_ptr<OrgWatcher>& watcher, const StoredOrgEvent& event) override;
  void Unavailable(const std::shared_ptr<OrgWatcher>& watcher, int64_t after,
                   const std::vector<StoredOrgEvent>& retained) override;

  void RecheckTeam(const std::string& team);

  const std::string organization_;
  OrgEventLog& log_;
  TeamDirectory& members_;
  const std::shared_ptr<MemberListChanges> member_lists_;
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
