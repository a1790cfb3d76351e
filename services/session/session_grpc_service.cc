// SessionService command handlers: request → SessionCommand → CommandRunner → projected reply.
#include "services/session/session_grpc_service.h"

#include "absl/strings/str_cat.h"
#include "libs/server/grpc_status.h"
#include "libs/server/request_bounds.h"
#include "libs/session_engine/session_names.h"
#include "libs/session_engine/session_projection.h"
#include "libs/status/errors.h"

namespace casework::session {
using casework::v1::Principal;
using casework::v1::SessionCommand;
using casework::v1::SessionCommandResponse;

namespace {

// The request a command carries (the handler copied it into the command's one field).
const google::protobuf::Message& CommandRequest(const SessionCommand& command) {
  const google::protobuf::Reflection& reflection = *command.GetReflection();
  const google::protobuf::FieldDescriptor* field = reflection.GetOneofFieldDescriptor(
      command, SessionCommand::descriptor()->FindOneofByName("command"));
  return field == nullptr ? command : reflection.GetMessage(command, field);
}

}  // namespace

void SessionGrpcService::AdmitMember(Principal caller, const std::string& team,
                                     absl::Status not_found, Reactor* reactor,
                                     absl::AnyInvocable<void(Principal) &&> next) {
  const Principal asking = caller;  // the callback below takes `caller` before FindMember runs
  members_.FindMember(
      asking, team,
      [reactor, caller = std::move(caller), not_found = std::move(not_found),
       next = std::move(next)](absl::StatusOr<casework::v1::TeamMember> member) mutable {
        if (member.ok()) {
          std::move(next)(std::move(caller));
        } else if (member.status().code() == absl::StatusCode::kNotFound) {
          reactor->Finish(ToGrpcStatus(not_found));
        } else {
          reactor->Finish(ToGrpcStatus(member.status()));
        }
      });
}

SessionGrpcService::Reactor* SessionGrpcService::Run(
    Context* context, const std::string& name, SessionCommand command,
    std::function<void(const CommandOutcome&, const Principal&)> respond, absl::Status not_found) {
  Reactor* reactor = context->DefaultReactor();
  absl::StatusOr<Principal> caller = AdmitCall(*context, CommandRequest(command));
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  if (absl::Status checked = CheckSessionName(name, *caller); !checked.ok()) {
    reactor->Finish(ToGrpcStatus(checked));
    return reactor;
  }
  AdmitMember(*std::move(caller), TeamOfSession(name), std::move(not_found), reactor,
              [this, reactor, name, command = std::move(command),
               respond = std::move(respond)](Principal principal) mutable {
                Principal asking = principal;
                runner_.Run(name, std::move(command), std::move(asking),
                            [reactor, principal = std::move(principal),
                             respond = std::move(respond)](absl::StatusOr<CommandOutcome> outcome) {
                              if (outcome.ok()) respond(*outcome, principal);
                              // Not a participant: answered exactly like a session that does not
                              // exist.
                              if (ErrorReason(outcome.status()) == "PARTICIPANT_REQUIRED") {
                                outcome = SessionNotFound();
                              }
                              reactor->Finish(ToGrpcStatus(outcome.status()));
                            });
              });
  return reactor;
}

SessionGrpcService::Reactor* SessionGrpcService::RunCommand(Context* context,
                                                            const std::string& name,
                                                            SessionCommand command,
                                                            SessionCommandResponse* response) {
  return Run(context, name, std::move(command),
             [response](const CommandOutcome& outcome, const Principal& caller) {
               // The creator organising a lobby they have not joined sees the listing only.
               *response->mutable_session() =
                   MayReadSession(*outcome.state, caller)
                       ? ProjectSession(*outcome.state, caller, casework::v1::SESSION_VIEW_BASIC)
                       : ListingOf(outcome.state->session());
               response->set_first_sequence(outcome.first_sequence);
               response->set_last_sequence(outcome.last_sequence);
             });
}

SessionGrpcService::Reactor* SessionGrpcService::CreateSession(
    Context* context, const casework::v1::CreateSessionRequest* request,
    casework::v1::Session* response) {
  absl::StatusOr<Principal> caller = AdmitCall(*context, *request);
  absl::Status checked = caller.ok() ? CheckTeamName(request->parent(), *caller) : caller.status();
  if (!checked.ok()) {
    Reactor* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(checked));
    return reactor;
  }
  SessionCommand command;
  *command.mutable_create_session() = *request;
  const std::string id = request->session_id().empty() ? NewSessionId() : request->session_id();
  return Run(
      context, absl::StrCat(request->parent(), "/sessions/", id), std::move(command),
      [response](const CommandOutcome& outcome, const Principal& principal) {
        // A creator who has not joined (a retry may come long after others did) sees the listing.
        *response = MayReadSession(*outcome.state, principal)
                        ? ProjectSession(*outcome.state, principal, casework::v1::SESSION_VIEW_FULL)
                        : ListingOf(outcome.state->session());
      },
      TeamNotFound());
}

SessionGrpcService::Reactor* SessionGrpcService::AddContribution(
    Context* context, const casework::v1::AddContributionRequest* request,
    casework::v1::AddContributionResponse* response) {
  SessionCommand command;
  *command.mutable_add_contribution() = *request;
  return Run(context, request->name(), std::move(command),
             [response](const CommandOutcome& outcome, const Principal& caller) {
               // The contribution this command appended, searched from the newest (a replayed retry
               // finds it by its sequence: others may have contributed since).
               const auto& contributions = outcome.state->session().contributions();
               for (int i = contributions.size() - 1; i >= 0; --i) {
                 const casework::v1::Contribution& c = contributions.Get(i);
                 if (c.sequence() < outcome.first_sequence) break;
                 if (c.sequence() <= outcome.last_sequence) {
                   *response->mutable_contribution() = ProjectContribution(c, caller);
                   break;
                 }
               }
               // What the contribution changed, not a projection of the whole session.
               *response->mutable_session() = ProjectContributionChange(*outcome.state);
               response->set_first_sequence(outcome.first_sequence);
               response->set_last_sequence(outcome.last_sequence);
             });
}

// The commands whose reply is the common SessionCommandResponse.
#define CASEWORK_SESSION_COMMAND(Method, Request, field)                                          \
  SessionGrpcService::Reactor* SessionGrpcService::Method(                                        \
      Context* context, const casework::v1::Request* request, SessionCommandResponse* response) { \
    SessionCommand command;                                                                       \
    *command.mutable_##field() = *request;                                                        \
    return RunCommand(context, request->name(), std::move(command), response);                    \
  }

CASEWORK_SESSION_COMMAND(JoinSession, JoinSessionRequest, join_session)
CASEWORK_SESSION_COMMAND(AcknowledgeAgreements, AcknowledgeAgreementsRequest,
                         acknowledge_agreements)
CASEWORK_SESSION_COMMAND(AssignRoles, AssignRolesRequest, assign_roles)
CASEWORK_SESSION_COMMAND(StartSession, StartSessionRequest, start_session)
CASEWORK_SESSION_COMMAND(AdvancePhase, AdvancePhaseRequest, advance_phase)
CASEWORK_SESSION_COMMAND(ExtendPhase, ExtendPhaseRequest, extend_phase)
CASEWORK_SESSION_COMMAND(RespondToHypothesis, RespondToHypothesisRequest, respond_to_hypothesis)
CASEWORK_SESSION_COMMAND(GiveTurn, GiveTurnRequest, give_turn)
CASEWORK_SESSION_COMMAND(RevealContributions, RevealContributionsRequest, reveal_contributions)
CASEWORK_SESSION_COMMAND(PauseSession, PauseSessionRequest, pause_session)
CASEWORK_SESSION_COMMAND(ResumeSession, ResumeSessionRequest, resume_session)
CASEWORK_SESSION_COMMAND(EndSession, EndSessionRequest, end_session)
CASEWORK_SESSION_COMMAND(CastReleaseVote, CastReleaseVoteRequest, cast_release_vote)

#undef CASEWORK_SESSION_COMMAND

}  // namespace casework::session
