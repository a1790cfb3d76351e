// gRPC handlers of casework.v1.SessionService: each translates its request into an engine
// command (or a read), runs it through the CommandRunner and projects the result for the caller.
// No business rule lives here: who may do what, in which phase, is the engine's to decide.
#ifndef SERVICES_SESSION_SESSION_GRPC_SERVICE_H_
#define SERVICES_SESSION_SESSION_GRPC_SERVICE_H_

#include <functional>

#include "absl/functional/any_invocable.h"
#include "casework/v1/session_service.grpc.pb.h"
#include "libs/records_client/team_directory.h"
#include "libs/session_engine/protocol_registry.h"
#include "libs/session_engine/session_names.h"
#include "libs/session_log/session_index.h"
#include "services/session/command_runner.h"

namespace casework::session {

class SessionGrpcService final : public casework::v1::SessionService::CallbackService {
 public:
  SessionGrpcService(CommandRunner& runner, RedisEventLog& log, SessionIndex& index,
                     const ProtocolRegistry& protocols, TeamDirectory& members)
      : runner_(runner), log_(log), index_(index), protocols_(protocols), members_(members) {}

  using Context = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;

  // Reads (session_read_handlers.cc).
  Reactor* GetProtocol(Context*, const casework::v1::GetProtocolRequest*,
                       casework::v1::ProtocolTemplate*) override;
  Reactor* ListProtocols(Context*, const casework::v1::ListProtocolsRequest*,
                         casework::v1::ListProtocolsResponse*) override;
  Reactor* GetSession(Context*, const casework::v1::GetSessionRequest*,
                      casework::v1::Session*) override;
  Reactor* ListSessions(Context*, const casework::v1::ListSessionsRequest*,
                        casework::v1::ListSessionsResponse*) override;  // session_list_handler.cc
  Reactor* ListSessionEvents(Context*, const casework::v1::ListSessionEventsRequest*,
                             casework::v1::ListSessionEventsResponse*) override;
  Reactor* ListContributions(Context*, const casework::v1::ListContributionsRequest*,
                             casework::v1::ListContributionsResponse*) override;

  // Commands (session_grpc_service.cc).
  Reactor* CreateSession(Context*, const casework::v1::CreateSessionRequest*,
                         casework::v1::Session*) override;
  Reactor* JoinSession(Context*, const casework::v1::JoinSessionRequest*,
                       casework::v1::SessionCommandResponse*) override;
  Reactor* AcknowledgeAgreements(Context*, const casework::v1::AcknowledgeAgreementsRequest*,
                                 casework::v1::SessionCommandResponse*) override;
  Reactor* AssignRoles(Context*, const casework::v1::AssignRolesRequest*,
                       casework::v1::SessionCommandResponse*) override;
  Reactor* StartSession(Context*, const casework::v1::StartSessionRequest*,
                        casework::v1::SessionCommandResponse*) override;
  Reactor* AdvancePhase(Context*, const casework::v1::AdvancePhaseRequest*,
                        casework::v1::SessionCommandResponse*) override;
  Reactor* ExtendPhase(Context*, const casework::v1::ExtendPhaseRequest*,
                       casework::v1::SessionCommandResponse*) override;
  Reactor* AddContribution(Context*, const casework::v1::AddContributionRequest*,
                           casework::v1::AddContributionResponse*) override;
  Reactor* RespondToHypothesis(Context*, const casework::v1::RespondToHypothesisRequest*,
                               casework::v1::SessionCommandResponse*) override;
  Reactor* GiveTurn(Context*, const casework::v1::GiveTurnRequest*,
                    casework::v1::SessionCommandResponse*) override;
  Reactor* RevealContributions(Context*, const casework::v1::RevealContributionsRequest*,
                               casework::v1::SessionCommandResponse*) override;
  Reactor* PauseSession(Context*, const casework::v1::PauseSessionRequest*,
                        casework::v1::SessionCommandResponse*) override;
  Reactor* ResumeSession(Context*, const casework::v1::ResumeSessionRequest*,
                         casework::v1::SessionCommandResponse*) override;
  Reactor* EndSession(Context*, const casework::v1::EndSessionRequest*,
                      casework::v1::SessionCommandResponse*) override;
  Reactor* CastReleaseVote(Context*, const casework::v1::CastReleaseVoteRequest*,
                           casework::v1::SessionCommandResponse*) override;

 private:
  // Runs `command` on the session `name`; `respond` fills the response from the outcome.
  // `not_found` answers a caller who is not a member of the team (the missing session's answer,
  // or for CreateSession the missing team's).
  Reactor* Run(Context* context, const std::string& name, casework::v1::SessionCommand command,
               std::function<void(const CommandOutcome&, const casework::v1::Principal&)> respond,
               absl::Status not_found = SessionNotFound());
  // The common command response: the session as the caller sees it, and the appended range.
  Reactor* RunCommand(Context* context, const std::string& name,
                      casework::v1::SessionCommand command,
                      casework::v1::SessionCommandResponse* response);

  // ListSessionEvents once the caller is admitted.
  void ReadEvents(Reactor* reactor, const casework::v1::ListSessionEventsRequest* request,
                  casework::v1::ListSessionEventsResponse* response, const std::string& name,
                  int64_t after, int page_size, casework::v1::Principal caller);
  // ListContributions once the caller is admitted.
  void ReadContributions(Reactor* reactor, const casework::v1::ListContributionsRequest* request,
                         casework::v1::ListContributionsResponse* response,
                         casework::v1::Principal caller);
  // Runs `next` once the caller is confirmed a member of `team` by the team's member list;
  // otherwise finishes `reactor` with `not_found` (or UNAVAILABLE when records cannot say).
  void AdmitMember(casework::v1::Principal caller, const std::string& team, absl::Status not_found,
                   Reactor* reactor, absl::AnyInvocable<void(casework::v1::Principal) &&> next);

  CommandRunner& runner_;
  RedisEventLog& log_;
  SessionIndex& index_;
  const ProtocolRegistry& protocols_;
  TeamDirectory& members_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_SESSION_GRPC_SERVICE_H_
