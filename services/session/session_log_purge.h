// The session service's half of retention: a background loop that, every `interval` (the first
// pass at start-up), deletes the live logs of sessions whose record was stored longer ago than
// their organisation's `session_log_retention` (proto/casework/v1/retention.proto; docs/ACCESS.md,
// "Retention"). Its input is the recorded set the append script fills when the records service
// acknowledges a session's record (libs/session_log). Per pass it reads that set oldest first,
// reads each organisation's policy once (RecordsService.GetRetentionPolicy as the session service),
// and for every session past its policy first appends the audit entry (what, when, which rule —
// never content; a deterministic request id, so a retry or a second replica stores it once), then
// deletes the log, its snapshot, request ids and index entries in one script (purge_session.lua),
// which PUBLISHes "purged" so the notification service ends the session's open watchers. Nothing
// is deleted unaudited: an organisation whose policy or audit the records service cannot take
// this pass waits for the next. A purged session answers NOT_FOUND everywhere; its record stays
// under `session_record_retention`. Several replicas may purge at once: the script deletes only
// while the session is still recorded, so each session is deleted once.
//
// Cost per pass: one range read per `batch` recorded sessions older than the policy minimum
// (1 hour), one policy read per organisation met, an audit call and a script per purged session.
// A policy shortened later applies from the next pass.
//
// Metric: casework_retention_purged_total{kind="session_log"}.
#ifndef SERVICES_SESSION_SESSION_LOG_PURGE_H_
#define SERVICES_SESSION_SESSION_LOG_PURGE_H_

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "casework/v1/retention.pb.h"
#include "libs/records_client/records_client.h"
#include "libs/session_log/redis_event_log.h"

namespace casework::session {

struct SessionLogPurgeOptions {
  absl::Duration interval = absl::Minutes(10);  // zero: no loop (PurgeNow only)
  int batch = 200;                              // recorded sessions read per round
  int max_per_pass = 2000;                      // sessions deleted per pass
};

// The shortest `session_log_retention` a policy may hold: sessions recorded more recently are
// never examined.
inline constexpr absl::Duration kMinSessionLogRetention = absl::Hours(1);

class SessionLogPurge {
 public:
  struct Pass {
    int64_t examined = 0;       // recorded sessions old enough to be looked at
    int64_t purged = 0;         // deleted by this pass
    int64_t organizations = 0;  // whose policy was read
    int64_t deferred = 0;       // due, but left for the next pass (records unreachable)
  };

  // Starts the loop unless `options.interval` is zero. `records` must outlive this object.
  SessionLogPurge(prometheus::Registry& registry, RedisEventLog& log, RecordsClient& records,
                  std::function<absl::Time()> clock, SessionLogPurgeOptions options);
  // Stops the loop; a pass in progress ends after the session it is at.
  ~SessionLogPurge();

  SessionLogPurge(const SessionLogPurge&) = delete;
  SessionLogPurge& operator=(const SessionLogPurge&) = delete;

  // One pass at the clock's current time. Blocks on Redis and the records service: never call it
  // on a gRPC or Redis thread. Passes (the loop's and these) run one at a time.
  absl::StatusOr<Pass> PurgeNow();

 private:
  void Run();
  absl::StatusOr<casework::v1::RetentionPolicy> FetchPolicy(const std::string& organization);
  absl::Status Audit(const casework::v1::RetentionPolicy& policy, const RecordedSession& session,
                     absl::Time now);

  RedisEventLog& log_;
  RecordsClient& records_;
  std::function<absl::Time()> clock_;
  const SessionLogPurgeOptions options_;
  prometheus::Counter& purged_;
  absl::Mutex pass_mu_;  // one pass at a time
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_SESSION_LOG_PURGE_H_
