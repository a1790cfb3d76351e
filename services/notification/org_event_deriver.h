// Derives organisation events from session logs, exactly once: session started and ended (to the
// team's members), phase time warnings and overruns (to the facilitator). Per session a cursor in
// the organisation's keys records the last session sequence derived; the append script checks and
// moves it in the same step as it appends the events, so two replicas racing on one session, or a
// restart in the middle, never append a notice twice or skip one.
//
// Most session events give no notice (contributions, questions ...). A pass that finds none does
// not write: it remembers in memory how far it found nothing after the durable cursor, and the
// next pass reads on from there — so an ordinary command costs two reads here, not an fsynced
// write. The durable cursor moves only together with the notices it appends.
//
// Work comes from the wake-ups of sessions whose append concerns the organisation (the session log
// marks them " notable"; every other command costs nothing here), and from a reconciliation pass —
// at start-up, after every re-subscription and periodically — that scans the session snapshots, so
// wake-ups missed while the service or its subscription was down are made up for. Redis Cluster
// would need the scan per node (not done: one Redis today).
#ifndef SERVICES_NOTIFICATION_ORG_EVENT_DERIVER_H_
#define SERVICES_NOTIFICATION_ORG_EVENT_DERIVER_H_

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"
#include "libs/redis/redis_client.h"
#include "libs/session_log/redis_event_log.h"
#include "services/notification/org_event_log.h"

namespace casework::notification {

struct DeriverOptions {
  absl::Duration reconcile_interval = absl::Seconds(30);
  int read_batch = 256;
};

// The organisation events one session event gives (none for most); pure.
std::vector<OrgEventToAppend> DeriveOrgEvents(const casework::v1::SessionSnapshot& state,
                                              const casework::v1::SessionEvent& event);

class OrgEventDeriver {
 public:
  OrgEventDeriver(redis::RedisClient& client, session::RedisEventLog& sessions,
                  OrgEventLog& organizations, DeriverOptions options);
  ~OrgEventDeriver();
  void StopTicker();

  // A session's wake-up channel fired with `message` (the new version, " notable" when an event
  // concerns the organisation).
  void OnSessionWake(absl::string_view channel, absl::string_view message);
  // Scans every session snapshot and derives what is missing.
  void Reconcile();
  void Derive(const std::string& session_name);
  // The organisations whose sessions this process has seen.
  std::vector<std::string> Organizations();

 private:
  struct Batch {
    std::string organization;
    std::string name;
    int64_t cursor = 0;  // the durable cursor (the events were read after it, or after `quiet`)
    int64_t last = 0;    // the last sequence read
    bool full = false;   // a whole batch: more may follow
    std::vector<casework::v1::SessionEvent> events;
  };
  void Step(const std::string& session_name);
  void Read(const std::string& name, const std::string& organization, int64_t cursor);
  void Append(Batch batch, const casework::v1::SessionSnapshot& state);
  void Done(const std::string& session_name);
  void ScanFrom(const std::string& cursor);

  redis::RedisClient& client_;
  session::RedisEventLog& sessions_;
  OrgEventLog& organizations_;
  const DeriverOptions options_;

  absl::Mutex mu_;
  // Sessions being derived; true when another wake-up came meanwhile.
  absl::flat_hash_map<std::string, bool> running_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> organizations_seen_ ABSL_GUARDED_BY(mu_);
  bool scanning_ ABSL_GUARDED_BY(mu_) = false;
  // Per session: the durable cursor and the sequence up to which nothing after it is notable.
  struct Quiet {
    int64_t cursor = 0;
    int64_t through = 0;
  };
  absl::flat_hash_map<std::string, Quiet> quiet_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  absl::Notification stop_;
  std::thread ticker_;
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_ORG_EVENT_DERIVER_H_
