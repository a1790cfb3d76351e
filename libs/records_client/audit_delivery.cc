// AuditShipper's delivery of one batch: sending with retries (Send), and what happens to a batch
// the records service refuses (Deliver): split, stubbed or dropped, each counted.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/records_client/audit_bounds.h"
#include "libs/records_client/audit_shipper.h"
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
// max ..."). Such a batch is never retried whole.
bool Refused(const grpc::Status& status) {
  if (status.ok()) return false;
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
      absl::StrContains(status.error_message(), "larger than max")) {
    return true;
  }
  return !Retryable(status.error_code());
}

// A refusal of what the batch holds (an entry records will not store, or too many bytes), which a
// part of the batch may not meet: the batch is split. Any other refusal (PERMISSION_DENIED,
// NOT_FOUND, ...) is about the batch's organisation or the caller, which every part shares.
bool RefusedForItsEntries(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
         status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

}  // namespace

bool AuditShipper::Deliver(casework::v1::AppendAuditEntriesRequest& request, bool stub) {
  const grpc::Status status = Send(request);
  if (status.ok()) return true;
  if (!Refused(status)) return false;  // lost at shutdown (counted by Send)
  const int count = request.audit_entries_size();
  if (count > 1 && RefusedForItsEntries(status)) {
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
    const bool first = Deliver(halves[0], stub);
    const bool second = Deliver(halves[1], stub);
    return first && second;
  }
  if (count == 1 && !stub && RefusedForItsEntries(status)) {
    // One entry records will not store: store what can be said about it instead.
    Log(LogSeverity::kError, "audit entry refused; storing a stub",
        {{"code", int64_t{status.error_code()}},
         {"error", CutToBound(status.error_message(), 200)}});
    casework::v1::AppendAuditEntriesRequest replaced;
    replaced.set_parent(request.parent());
    replaced.set_request_id(absl::StrCat(request.request_id(), "-stub"));
    *replaced.add_audit_entries() = AuditStub(request.audit_entries(0), status.error_message());
    // The entry counts as replaced once its stub is stored; a refused stub counts as refused.
    if (!Deliver(replaced, true)) return false;
    absl::MutexLock lock(&mu_);
    ++stubbed_;
    dropped_replaced_.Increment();
    return true;
  }
  Log(LogSeverity::kError, stub ? "audit stub refused; entry lost" : "audit batch refused; lost",
      {{"code", int64_t{status.error_code()}}, {"error", CutToBound(status.error_message(), 200)}});
  absl::MutexLock lock(&mu_);
  dropped_refused_.Increment(static_cast<double>(count));
  in_flight_ -= std::min(in_flight_, static_cast<size_t>(count));
  UpdateBacklog();
  return false;
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

}  // namespace casework
