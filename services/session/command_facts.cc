// CommandFactsSource::Gather: the protocol facts at once; the records-backed facts from
// concurrent asynchronous calls, joined when the last one answers.
#include "services/session/command_facts.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/status/errors.h"

namespace casework::session {
namespace {

using casework::v1::CommandFacts;
using FactsDone = absl::AnyInvocable<void(absl::StatusOr<CommandFacts>) &&>;

std::string TeamOf(absl::string_view session_name) {
  const size_t cut = session_name.find("/sessions/");
  return std::string(session_name.substr(0, cut == absl::string_view::npos ? 0 : cut));
}

// A records answer as this service reports it: the caller learns that a dependency failed, not
// the dependency's internals.
absl::Status FromRecords(const grpc::Status& status, absl::string_view what) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return absl::OkStatus();
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::CANCELLED:
      return Error(absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
                   absl::StrCat("the records service did not answer (", what, "); retry"));
    case grpc::StatusCode::NOT_FOUND:
      return Error(
          absl::StatusCode::kFailedPrecondition, "COMMAND_FACTS_MISSING",
          absl::StrCat("the records service does not know the session's team (", what, ")"),
          {{"fact", std::string(what)}});
    default:
      return absl::InternalError(absl::StrCat("records service refused ", what, ": code ",
                                              status.error_code(), " ", status.error_message()));
  }
}

// Collects the facts of several calls; answers once, when the last call is done.
class FactsJoin {
 public:
  FactsJoin(CommandFacts facts, FactsDone done)
      : facts_(std::move(facts)), done_(std::move(done)) {}

  // One more call to wait for. All calls are added before the first is started.
  void Expect() { ++pending_; }

  template <typename Fill>
  void Complete(absl::Status status, Fill fill) {
    {
      absl::MutexLock lock(&mu_);
      if (status.ok()) {
        fill(facts_);
      } else if (status_.ok()) {
        status_ = std::move(status);
      }
    }
    if (--pending_ > 0) return;
    absl::StatusOr<CommandFacts> result;
    {
      absl::MutexLock lock(&mu_);
      result = status_.ok() ? absl::StatusOr<CommandFacts>(std::move(facts_)) : status_;
    }
    std::move(done_)(std::move(result));
    delete this;
  }

 private:
  absl::Mutex mu_;
  CommandFacts facts_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  FactsDone done_;
  std::atomic<int> pending_{0};
};

// One asynchronous records call whose request, response and context live until it answers.
template <typename Request, typename Response>
struct RecordsCall {
  grpc::ClientContext context;
  Request request;
  Response response;
};

bool NeedsTeamMembers(const casework::v1::ProtocolTemplate& protocol) {
  return protocol.role_rules().facilitator_team_roles_size() > 0 ||
         protocol.role_rules().case_owner_team_roles_size() > 0;
}

bool NeedsPreviousRecord(const casework::v1::ProtocolTemplate& protocol) {
  return protocol.role_rules().rotate_facilitator() || protocol.role_rules().rotate_case_owner();
}

// Whether a phase the command may enter attaches the case-load review: the first phase for a
// start, any later one for an advance (a phase may be skipped on the way).
bool NeedsCaseLoadReview(const casework::v1::SessionSnapshot& state,
                         const casework::v1::SessionCommand& command) {
  int from;
  if (command.has_start_session()) {
    from = 0;
  } else if (command.has_advance_phase()) {
    from = state.session().current_phase().index();  // 1-based: the next phase's 0-based index
  } else {
    return false;
  }
  const auto& phases = state.protocol().phases();
  for (int i = from; i < phases.size(); ++i) {
    if (phases[i].attach_case_load_review()) return true;
  }
  return false;
}

}  // namespace

void CommandFactsSource::Gather(const casework::v1::SessionSnapshot& state,
                                const casework::v1::SessionCommand& command, FactsDone done) {
  CommandFacts facts;
  if (command.has_create_session()) {
    absl::Status filled = registry_.FillCreateFacts(command.create_session(), &facts);
    if (!filled.ok()) {
      std::move(done)(filled);
    } else {
      std::move(done)(std::move(facts));
    }
    return;
  }
  const std::string team = TeamOf(state.session().name());
  const bool assign = command.has_assign_roles();
  const bool members = assign && NeedsTeamMembers(state.protocol());
  const bool previous = assign && NeedsPreviousRecord(state.protocol());
  const bool review = NeedsCaseLoadReview(state, command);
  if (!(members || previous || review) || records_ == nullptr || team.empty()) {
    std::move(done)(std::move(facts));  // the engine names any fact it misses
    return;
  }
  auto* join = new FactsJoin(std::move(facts), std::move(done));
  for (int i = 0; i < members + previous + review; ++i) join->Expect();
  casework::v1::RecordsService::StubInterface::async_interface* records = records_->stub().async();
  if (members) {
    using Call = RecordsCall<casework::v1::GetTeamRequest, casework::v1::Team>;
    auto call = std::make_shared<Call>();
    call->request.set_name(team);
    absl::Status prepared = records_->Prepare(call->context);
    if (!prepared.ok()) {
      join->Complete(prepared, [](CommandFacts&) {});
    } else {
      records->GetTeam(&call->context, &call->request, &call->response,
                       [join, call](grpc::Status status) {
                         join->Complete(FromRecords(status, "team"), [&](CommandFacts& f) {
                           *f.mutable_team_members() = call->response.members();
                         });
                       });
    }
  }
  if (previous) {
    using Call = RecordsCall<casework::v1::ListSessionRecordsRequest,
                             casework::v1::ListSessionRecordsResponse>;
    auto call = std::make_shared<Call>();
    call->request.set_parent(team);
    call->request.set_page_size(1);  // newest first
    call->request.set_filter(absl::StrCat("protocol_id = \"", state.session().protocol_id(), "\""));
    absl::Status prepared = records_->Prepare(call->context);
    if (!prepared.ok()) {
      join->Complete(prepared, [](CommandFacts&) {});
    } else {
      records->ListSessionRecords(
          &call->context, &call->request, &call->response, [join, call](grpc::Status status) {
            join->Complete(FromRecords(status, "previous session record"), [&](CommandFacts& f) {
              if (call->response.session_records_size() > 0) {
                *f.mutable_previous_session_record() = call->response.session_records(0);
              }
            });
          });
    }
  }
  if (review) {
    using Call = RecordsCall<casework::v1::GetCaseLoadReviewRequest, casework::v1::CaseLoadReview>;
    auto call = std::make_shared<Call>();
    call->request.set_name(absl::StrCat(team, "/caseLoadReview"));
    absl::Status prepared = records_->Prepare(call->context);
    if (!prepared.ok()) {
      join->Complete(prepared, [](CommandFacts&) {});
    } else {
      records->GetCaseLoadReview(
          &call->context, &call->request, &call->response, [join, call](grpc::Status status) {
            join->Complete(FromRecords(status, "case-load review"), [&](CommandFacts& f) {
              *f.mutable_case_load_review() = call->response;
            });
          });
    }
  }
}

}  // namespace casework::session
