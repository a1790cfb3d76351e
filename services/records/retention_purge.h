// The retention purge: a background loop that, every `interval` (the first pass at start-up),
// deletes in each organisation the closed cases and session records past its retention policy
// (proto/casework/v1/retention.proto; docs/ACCESS.md, "Retention"). Work is bounded: each round
// finds at most `batch` resources in a read and deletes them in one write unit each (the deletion
// and its audit entry commit together, interleaved with the RPCs' writes by group commit), and a
// pass takes at most `max_per_pass` of one kind per organisation, leaving the rest of a backlog to
// the next pass. Several replicas on one database may purge at once: every unit decides again in
// its own transaction, so a resource is deleted and audited once, and a replica that comes second
// deletes nothing. Time is the injected Clock's, so tests move it instead of waiting.
//
// Metric: casework_retention_purged_total{kind}, kind "case" (a closed case with everything that
// hangs off it) or "session_record", both at zero from the start.
#ifndef SERVICES_RECORDS_RETENTION_PURGE_H_
#define SERVICES_RECORDS_RETENTION_PURGE_H_

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/records/domain/clock.h"
#include "services/records/domain/record_store.h"

namespace casework {

struct RetentionPurgeOptions {
  absl::Duration interval = absl::Minutes(10);  // zero: no loop (PurgeNow only)
  int batch = 100;                              // resources found and deleted per round
  int max_per_pass = 2000;                      // per organisation and kind, per pass
};

class RetentionPurge {
 public:
  struct Pass {
    int64_t cases = 0;
    int64_t session_records = 0;
    int64_t organizations = 0;
  };

  // Starts the loop unless `options.interval` is zero.
  RetentionPurge(prometheus::Registry& registry, records::RecordStore& store,
                 const records::Clock& clock, RetentionPurgeOptions options);
  // Stops the loop; a pass in progress ends after its current round.
  ~RetentionPurge();

  // One pass over every organisation at the clock's current time. Blocks on the store: never call
  // it on a gRPC thread. Passes (the loop's and these) run one at a time.
  absl::StatusOr<Pass> PurgeNow();

  // Passes the loop has finished since start-up, and a wait until it has finished `count`
  // (false on timeout).
  int64_t loop_passes();
  bool AwaitLoopPasses(int64_t count, absl::Duration timeout);

 private:
  void Run();
  // One kind in one organisation: rounds until nothing more is due or the pass's share is used.
  absl::StatusOr<int64_t> PurgeKind(const std::string& organization, records::ResourceKind kind,
                                    absl::Time now);
  // Deletes each of `names` in its own write unit, all in flight at once; returns how many
  // were deleted.
  absl::StatusOr<int64_t> PurgeEach(const std::vector<std::string>& names,
                                    records::ResourceKind kind, absl::Time now);
  bool stopping();

  records::RecordStore& store_;
  const records::Clock& clock_;
  const RetentionPurgeOptions options_;
  prometheus::Counter& purged_cases_;
  prometheus::Counter& purged_session_records_;

  absl::Mutex pass_mu_;  // one pass at a time

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t loop_passes_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread loop_;
};

}  // namespace casework

#endif  // SERVICES_RECORDS_RETENTION_PURGE_H_
