// Ships the audit entries of the session and notification services to the records service
// (RecordsService.AppendAuditEntries), in batches per organisation. An AuditSink for the kit's
// audit interceptor: Record() only queues (never blocks a gRPC thread); one thread sends.
//
// - A batch goes out every `flush_interval`, or at once when `batch_size` entries are waiting.
// - Entries are cut to their bounds before they are queued (audit_bounds.h: a long name or
//   request id keeps a prefix, marked with its length and hash), and a batch holds at most
//   `max_batch_bytes`: no caller's input can make a batch too large for the records service.
// - Each batch gets a fresh request_id, kept across its retries: a retry after a lost answer is
//   stored once. Unavailable-like failures are retried with exponential backoff, for as long as
//   it takes (entries keep queueing meanwhile). A batch the records service refuses (or one over
//   a message size limit) is split in two halves, each sent on its own with a request id derived
//   from the batch's, down to single entries; a single refused entry is replaced by its stub
//   (AuditStub: who, what, when and why it was refused), and a refused stub is dropped. A batch
//   refused for what every part shares (PERMISSION_DENIED, NOT_FOUND: the organisation or the
//   service's identity) is dropped whole. So no entry can block the ones behind it, and nothing
//   is lost without a count (an entry counts once: replaced_by_stub when its stub is stored,
//   refused otherwise).
// - The queue is bounded: past `capacity`, the oldest entry is dropped and counted.
// - Metrics: casework_audit_backlog (entries queued or in the batch being sent) and
//   casework_audit_entries_dropped_total{reason}: queue_full, replaced_by_stub, refused,
//   shutdown (alert CaseworkAuditEntriesDropped).
// - Shutdown (destructor, or Shutdown()) keeps sending until the queue is empty or its deadline
//   passes; what is still queued then is lost (logged with its count). The queue lives in memory:
//   a crash loses up to the backlog (see docs/OPERATIONS.md).
#ifndef LIBS_RECORDS_CLIENT_AUDIT_SHIPPER_H_
#define LIBS_RECORDS_CLIENT_AUDIT_SHIPPER_H_

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "casework/v1/audit.pb.h"
#include "libs/records_client/records_client.h"
#include "libs/server/audit_interceptor.h"

namespace casework {

struct AuditShipperOptions {
  absl::Duration flush_interval = absl::Milliseconds(200);
  size_t batch_size = 500;           // entries per AppendAuditEntries call (the API allows 1000)
  size_t max_batch_bytes = 1 << 20;  // and bytes (the records service accepts 4 MiB messages)
  size_t capacity = 100000;          // entries queued before the oldest are dropped
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  absl::Duration shutdown_deadline = absl::Seconds(2);  // the destructor's drain
};

class AuditShipper final : public AuditSink {
 public:
  // `records` must outlive the shipper. Registers its metrics in `registry`.
  AuditShipper(RecordsClient& records, prometheus::Registry& registry,
               AuditShipperOptions options = {});
  ~AuditShipper() override;  // Shutdown(now + shutdown_deadline)

  void Record(casework::v1::AuditEntry entry) override;
  void Close(absl::Time deadline) override { Shutdown(deadline); }

  // Stops accepting entries, sends what is queued until `deadline`, stops the thread. Idempotent.
  void Shutdown(absl::Time deadline);

  // Entries delivered (acknowledged by the records service) so far; for tests and logs.
  int64_t delivered() const;
  // AppendAuditEntries attempts that failed (each retried with its batch's request_id).
  int64_t failed_attempts() const;
  // Entries cut to their bounds, and entries replaced by their stub.
  int64_t cut() const;
  int64_t stubbed() const;

 private:
  void Run();
  bool ReadyToSend() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Takes up to batch_size queued entries of the oldest entry's organisation.
  bool TakeBatch(casework::v1::AppendAuditEntriesRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Delivers `request` (audit_delivery.cc): a batch refused for its entries is split, a single
  // refused entry replaced by its stub (`stub`: the request is a stub already, so a refusal drops
  // it), a batch refused for anything else dropped. True when every entry (or its stub) is stored.
  bool Deliver(casework::v1::AppendAuditEntriesRequest& request, bool stub);
  // Sends until delivered, refused, or (shutting down) the deadline passes; the last answer.
  grpc::Status Send(casework::v1::AppendAuditEntriesRequest& request);
  void UpdateBacklog() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  RecordsClient& records_;
  const AuditShipperOptions options_;
  prometheus::Gauge& backlog_;
  prometheus::Family<prometheus::Counter>& dropped_family_;
  prometheus::Counter& dropped_queue_full_;
  prometheus::Counter& dropped_replaced_;
  prometheus::Counter& dropped_refused_;
  prometheus::Counter& dropped_shutdown_;

  mutable absl::Mutex mu_;
  std::deque<casework::v1::AuditEntry> queue_ ABSL_GUARDED_BY(mu_);
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;  // the thread has ended: entries are dropped
  absl::Time stop_deadline_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  int64_t delivered_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_attempts_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t cut_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t stubbed_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

// A service's audit trail: a records channel of its own (the caller `records.role`) and the
// shipper on it, owned together. Destroyed after the server's drain, it flushes, then closes the
// channel.
class AuditTrail {
 public:
  static absl::StatusOr<std::unique_ptr<AuditTrail>> Start(RecordsClientOptions records,
                                                           prometheus::Registry& registry);
  AuditSink* sink() { return shipper_.get(); }

 private:
  AuditTrail() = default;
  std::unique_ptr<RecordsClient> records_;
  std::unique_ptr<AuditShipper> shipper_;  // after records_: goes first
};

}  // namespace casework

#endif  // LIBS_RECORDS_CLIENT_AUDIT_SHIPPER_H_
