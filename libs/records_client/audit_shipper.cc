// See audit_shipper.h. One sender thread: wait for a full batch or the flush interval, take the
// oldest entry's organisation's entries, send them until the records service has them.
#include "libs/records_client/audit_shipper.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "libs/records_client/audit_bounds.h"
#include "libs/server/json_log.h"

namespace casework {
namespace {

std::string NewRequestId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return absl::StrFormat("audit-%016x%016x", random(), random());
}

}  // namespace

AuditShipper::AuditShipper(RecordsClient& records, prometheus::Registry& registry,
                           AuditShipperOptions options)
    : records_(records),
      options_(std::move(options)),
      backlog_(prometheus::BuildGauge()
                   .Name("casework_audit_backlog")
                   .Help("Audit entries waiting to be sent to the records service.")
                   .Register(registry)
                   .Add({})),
      dropped_family_(prometheus::BuildCounter()
                          .Name("casework_audit_entries_dropped_total")
                          .Help("Audit entries lost, by reason: queue_full (the queue overflowed), "
                                "replaced_by_stub (records refused the entry; a stub with the "
                                "reason was stored instead), refused (records refused even the "
                                "stub), shutdown (shutdown's drain deadline passed).")
                          .Register(registry)),
      dropped_queue_full_(dropped_family_.Add({{"reason", "queue_full"}})),
      dropped_replaced_(dropped_family_.Add({{"reason", "replaced_by_stub"}})),
      dropped_refused_(dropped_family_.Add({{"reason", "refused"}})),
      dropped_shutdown_(dropped_family_.Add({{"reason", "shutdown"}})) {
  thread_ = std::thread([this] { Run(); });
}

AuditShipper::~AuditShipper() { Shutdown(absl::Now() + options_.shutdown_deadline); }

void AuditShipper::Record(casework::v1::AuditEntry entry) {
  // Cut before queueing: no caller's input can make an entry, or a batch, too large to store.
  const bool cut = BoundAuditEntry(entry) > 0;
  absl::MutexLock lock(&mu_);
  if (cut) ++cut_;
  if (closed_) {
    dropped_shutdown_.Increment();
    return;
  }
  queue_.push_back(std::move(entry));
  if (queue_.size() > options_.capacity) {
    queue_.pop_front();
    dropped_queue_full_.Increment();
  }
  UpdateBacklog();
}

void AuditShipper::Shutdown(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      // Already stopping (or stopped): only wait for the thread below.
    } else {
      stopping_ = true;
      stop_deadline_ = deadline;
    }
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  closed_ = true;
  if (!queue_.empty()) {
    Log(LogSeverity::kError, "audit entries lost at shutdown",
        {{"entries", static_cast<int64_t>(queue_.size())}});
    dropped_shutdown_.Increment(static_cast<double>(queue_.size()));
    queue_.clear();
    UpdateBacklog();
  }
}

int64_t AuditShipper::delivered() const {
  absl::MutexLock lock(&mu_);
  return delivered_;
}

int64_t AuditShipper::failed_attempts() const {
  absl::MutexLock lock(&mu_);
  return failed_attempts_;
}

int64_t AuditShipper::cut() const {
  absl::MutexLock lock(&mu_);
  return cut_;
}

int64_t AuditShipper::stubbed() const {
  absl::MutexLock lock(&mu_);
  return stubbed_;
}

bool AuditShipper::ReadyToSend() const { return stopping_ || queue_.size() >= options_.batch_size; }

void AuditShipper::UpdateBacklog() {
  backlog_.Set(static_cast<double>(queue_.size() + in_flight_));
}

void AuditShipper::Run() {
  absl::Time next_flush = absl::Now() + options_.flush_interval;
  while (true) {
    casework::v1::AppendAuditEntriesRequest request;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithDeadline(absl::Condition(this, &AuditShipper::ReadyToSend), next_flush);
      if (stopping_ && (queue_.empty() || absl::Now() >= stop_deadline_)) return;
      if (queue_.empty()) {
        next_flush = absl::Now() + options_.flush_interval;
        continue;
      }
      if (!ReadyToSend() && absl::Now() < next_flush) continue;
      TakeBatch(request);
      // What is left is sent at once (the flush is due, or a full batch is waiting).
      if (queue_.empty()) next_flush = absl::Now() + options_.flush_interval;
    }
    Deliver(request, false);
  }
}

bool AuditShipper::TakeBatch(casework::v1::AppendAuditEntriesRequest& request) {
  const std::string organization = queue_.front().organization();
  std::deque<casework::v1::AuditEntry> others;
  size_t bytes = 0;
  while (!queue_.empty() &&
         static_cast<size_t>(request.audit_entries_size()) < options_.batch_size) {
    casework::v1::AuditEntry& entry = queue_.front();
    if (entry.organization() == organization) {
      // Within the byte bound too (the first entry always goes: entries are bounded).
      const size_t size = entry.ByteSizeLong() + 8;
      if (request.audit_entries_size() > 0 && bytes + size > options_.max_batch_bytes) break;
      bytes += size;
      *request.add_audit_entries() = std::move(entry);
    } else {
      others.push_back(std::move(entry));
    }
    queue_.pop_front();
  }
  // Entries of other organisations keep their place, ahead of anything newer.
  while (!others.empty()) {
    queue_.push_front(std::move(others.back()));
    others.pop_back();
  }
  request.set_parent(absl::StrCat("organizations/", organization));
  request.set_request_id(NewRequestId());  // kept across this batch's retries
  in_flight_ = static_cast<size_t>(request.audit_entries_size());
  UpdateBacklog();
  return in_flight_ > 0;
}

absl::StatusOr<std::unique_ptr<AuditTrail>> AuditTrail::Start(RecordsClientOptions records,
                                                              prometheus::Registry& registry) {
  absl::StatusOr<std::unique_ptr<RecordsClient>> client = RecordsClient::Create(std::move(records));
  if (!client.ok()) return client.status();
  std::unique_ptr<AuditTrail> trail(new AuditTrail());
  trail->records_ = *std::move(client);
  trail->shipper_ = std::make_unique<AuditShipper>(*trail->records_, registry);
  return trail;
}

}  // namespace casework
