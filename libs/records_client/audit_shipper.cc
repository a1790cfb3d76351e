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

// Failures after which the same batch may succeed later (records restarting, overloaded, a token
// being rotated). Anything else is a refusal that a retry would only repeat.
bool Retryable(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNAUTHENTICATED:
      return true;
    default:
      return false;
  }
}

// A refusal the same batch would meet again: records refused it (INVALID_ARGUMENT,
// PERMISSION_DENIED, ...), or it is over a message size limit (RESOURCE_EXHAUSTED "... larger than
// max ..."). Such a batch is split, never retried whole.
bool Refused(const grpc::Status& status) {
  if (status.ok()) return false;
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
      absl::StrContains(status.error_message(), "larger than max")) {
    return true;
  }
  return !Retryable(status.error_code());
}

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

void AuditShipper::Deliver(casework::v1::AppendAuditEntriesRequest& request, bool stub) {
  const grpc::Status status = Send(request);
  if (!Refused(status)) return;  // delivered, or lost at shutdown (counted by Send)
  const int count = request.audit_entries_size();
  if (count > 1) {
    // Refused as a whole: each half on its own, so one bad entry cannot block the others. Each
    // half has a request id of its own, derived from the batch's (the refused batch stored
    // nothing).
    casework::v1::AppendAuditEntriesRequest halves[2];
    for (int half = 0; half < 2; ++half) {
      halves[half].set_parent(request.parent());
      halves[half].set_request_id(absl::StrCat(request.request_id(), "-", half + 1));
    }
    for (int i = 0; i < count; ++i) {
      *halves[i < count / 2 ? 0 : 1].add_audit_entries() =
          std::move(*request.mutable_audit_entries(i));
    }
    Deliver(halves[0], stub);
    Deliver(halves[1], stub);
    return;
  }
  if (count == 1 && !stub) {
    // One entry records will not store: store what can be said about it instead.
    Log(LogSeverity::kError, "audit entry refused; storing a stub",
        {{"code", int64_t{status.error_code()}},
         {"error", CutToBound(status.error_message(), 200)}});
    casework::v1::AppendAuditEntriesRequest replaced;
    replaced.set_parent(request.parent());
    replaced.set_request_id(absl::StrCat(request.request_id(), "-stub"));
    *replaced.add_audit_entries() = AuditStub(request.audit_entries(0), status.error_message());
    {
      absl::MutexLock lock(&mu_);
      ++stubbed_;
      dropped_replaced_.Increment();
    }
    Deliver(replaced, true);
    return;
  }
  Log(LogSeverity::kError, "audit stub refused; entry lost",
      {{"code", int64_t{status.error_code()}}, {"error", CutToBound(status.error_message(), 200)}});
  absl::MutexLock lock(&mu_);
  dropped_refused_.Increment(static_cast<double>(count));
  in_flight_ -= std::min(in_flight_, static_cast<size_t>(count));
  UpdateBacklog();
}

grpc::Status AuditShipper::Send(casework::v1::AppendAuditEntriesRequest& request) {
  const int64_t count = request.audit_entries_size();
  absl::Duration backoff = options_.initial_backoff;
  int attempts = 0;
  while (true) {
    ++attempts;
    absl::Time stop_deadline;
    {
      absl::MutexLock lock(&mu_);
      stop_deadline = stop_deadline_;
    }
    grpc::ClientContext context;
    absl::Status prepared = records_.Prepare(context);
    grpc::Status status;
    if (prepared.ok()) {
      if (absl::FromChrono(context.deadline()) > stop_deadline) {
        context.set_deadline(absl::ToChronoTime(stop_deadline));
      }
      casework::v1::AppendAuditEntriesResponse response;
      status = records_.stub().AppendAuditEntries(&context, request, &response);
    } else {
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(prepared.message()));
    }
    absl::Time until;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      if (status.ok()) {
        delivered_ += count;
        in_flight_ -= std::min(in_flight_, static_cast<size_t>(count));
        UpdateBacklog();
        if (attempts > 1) {
          Log(LogSeverity::kInfo, "audit batch delivered after retries",
              {{"entries", count}, {"attempts", int64_t{attempts}}});
        }
        return status;
      }
      ++failed_attempts_;
      if (Refused(status)) return status;  // Deliver splits it
      if (absl::Now() >= stop_deadline_) {
        Log(LogSeverity::kError, "audit batch lost at shutdown",
            {{"entries", count},
             {"code", int64_t{status.error_code()}},
             {"error", CutToBound(status.error_message(), 200)}});
        dropped_shutdown_.Increment(static_cast<double>(count));
        in_flight_ -= std::min(in_flight_, static_cast<size_t>(count));
        UpdateBacklog();
        return status;
      }
      if (attempts == 1) {
        Log(LogSeverity::kWarning, "audit batch not delivered; retrying",
            {{"entries", count},
             {"code", int64_t{status.error_code()}},
             {"error", CutToBound(status.error_message(), 200)}});
      }
      until = std::min(absl::Now() + backoff, stop_deadline_);
      stopping = stopping_;
      // Back off; a shutdown starting meanwhile ends the wait (then retries until its deadline).
      if (!stopping) mu_.AwaitWithDeadline(absl::Condition(&stopping_), until);
    }
    if (stopping) absl::SleepFor(std::max(absl::ZeroDuration(), until - absl::Now()));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
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
