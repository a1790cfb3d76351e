// RecordOutbox: load → build the record → CreateSessionRecord → MarkRecordStored → dequeue; any
// failure re-queues the session after a growing delay (1 s doubling to 1 min).
#include "services/session/record_outbox.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "absl/strings/str_split.h"
#include "libs/server/json_log.h"
#include "libs/session_engine/outcome_builder.h"
#include "libs/session_engine/session_queries.h"
#include "services/session/command_identity.h"

namespace casework::session {
namespace {

constexpr absl::Duration kFirstRetry = absl::Seconds(1);
constexpr absl::Duration kMaxRetry = absl::Minutes(1);

struct CreateCall {
  grpc::ClientContext context;
  casework::v1::CreateSessionRecordRequest request;
  casework::v1::SessionRecord response;
};

}  // namespace

void RecordOutbox::WaitIdle() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
}

void RecordOutbox::Deliver(const std::string& session_name) {
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  runner_.Load(session_name,
               [this, session_name](absl::StatusOr<casework::v1::SessionSnapshot> state) {
                 if (!state.ok() && state.status().code() == absl::StatusCode::kNotFound) {
                   Delivered(session_name);  // nothing to deliver
                 } else if (!state.ok()) {
                   Retry(session_name, state.status().message());
                 } else if (!RecordOwed(*state)) {
                   Delivered(session_name);
                 } else {
                   Store(session_name, *state);
                 }
               });
}

void RecordOutbox::Store(const std::string& session_name,
                         const casework::v1::SessionSnapshot& state) {
  if (records_ == nullptr) {
    Retry(session_name, "no records service configured");
    return;
  }
  absl::StatusOr<casework::v1::SessionRecord> record = BuildSessionRecord(state);
  if (!record.ok()) {
    Retry(session_name, record.status().message());
    return;
  }
  std::vector<std::string> parts = absl::StrSplit(session_name, '/');
  auto call = std::make_shared<CreateCall>();
  call->request.set_parent(absl::StrCat(parts[0], "/", parts[1], "/", parts[2], "/", parts[3]));
  call->request.set_session_record_id(parts[5]);
  call->request.set_request_id(parts[5]);
  *call->request.mutable_session_record() = *std::move(record);
  if (absl::Status prepared = records_->Prepare(call->context); !prepared.ok()) {
    Retry(session_name, prepared.message());
    return;
  }
  records_->stub().async()->CreateSessionRecord(
      &call->context, &call->request, &call->response,
      [this, session_name, call](grpc::Status status) {
        if (status.ok()) {
          MarkStored(session_name, call->response.name());
        } else if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
          MarkStored(session_name, absl::StrCat(call->request.parent(), "/sessionRecords/",
                                                call->request.session_record_id()));
        } else {
          Retry(session_name, status.error_message());
        }
      });
}

void RecordOutbox::MarkStored(const std::string& session_name, const std::string& record_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(session_name, '/');
  casework::v1::SessionCommand command;
  command.mutable_mark_record_stored()->set_session_record(record_name);
  casework::v1::Principal system;
  system.set_subject(std::string(kSystemSubject));
  system.set_organization(std::string(parts[1]));
  runner_.Run(session_name, std::move(command), std::move(system),
              [this, session_name](absl::StatusOr<CommandOutcome> outcome) {
                if (outcome.ok() && !RecordOwed(*outcome->state)) {
                  Delivered(session_name);
                } else {
                  Retry(session_name,
                        outcome.ok() ? "record not marked stored" : outcome.status().message());
                }
              });
}

void RecordOutbox::Retry(const std::string& session_name, absl::string_view why) {
  absl::Duration delay;
  {
    absl::MutexLock lock(&mu_);
    auto [entry, added] = backoff_.try_emplace(session_name, kFirstRetry);
    delay = entry->second;
    entry->second = std::min(entry->second * 2, kMaxRetry);
  }
  auto finished = [this](absl::Status) {
    absl::MutexLock lock(&mu_);
    --in_flight_;
  };
  Log(LogSeverity::kWarning, "record outbox: delivery failed; will retry",
      {{"session", session_name},
       {"retry_in_ms", std::to_string(absl::ToInt64Milliseconds(delay))},
       {"error", std::string(why)}});
  queue_.Schedule(session_name, clock_() + delay, finished);
}

void RecordOutbox::Delivered(const std::string& session_name) {
  {
    absl::MutexLock lock(&mu_);
    backoff_.erase(session_name);
  }
  queue_.Cancel(session_name, [this](absl::Status) {
    absl::MutexLock lock(&mu_);
    --in_flight_;
  });
}

}  // namespace casework::session
