// SessionStack, SessionReplica and SessionDriver.
#include "tests/session/session_test_support.h"

#include <hiredis/hiredis.h>

#include <atomic>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/errors.h"
#include "libs/testing/test_tokens.h"
#include "tests/kit_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::SessionCommandResponse;
using casework::v1::SessionService;

template <typename Request, typename Response>
grpc::Status Call(SessionService::Stub* stub,
                  grpc::Status (SessionService::Stub::*method)(grpc::ClientContext*, const Request&,
                                                               Response*),
                  const std::string& subject, const Request& request, Response* response) {
  std::unique_ptr<grpc::ClientContext> context = ContextWithToken(PersonToken(subject));
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  return (stub->*method)(context.get(), request, response);
}

std::vector<std::string> RolesOf(const std::string& subject) {
  if (subject == kSupervisor) return {"supervisor"};
  if (subject == kFacilitator) return {"facilitator"};
  if (subject == kMember) return {"member"};
  return {"caseworker"};
}

}  // namespace

std::string PersonToken(const std::string& subject, const std::string& org) {
  return TokenFor(subject, org, RolesOf(subject), {"t1"});
}

std::string ReasonOf(const grpc::Status& status) { return ErrorReason(FromGrpcStatus(status)); }

int64_t RedisCalls(int port, const std::string& command) {
  redisContext* context = redisConnect("127.0.0.1", port);
  if (context == nullptr || context->err != 0) {
    if (context != nullptr) redisFree(context);
    return -1;
  }
  auto* reply = static_cast<redisReply*>(redisCommand(context, "INFO commandstats"));
  int64_t calls = 0;
  if (reply != nullptr && reply->type == REDIS_REPLY_STRING) {
    const std::string text(reply->str, reply->len);
    const std::string key = absl::StrCat("cmdstat_", command, ":calls=");
    const size_t at = text.find(key);
    if (at != std::string::npos) calls = std::stoll(text.substr(at + key.size()));
  }
  if (reply != nullptr) freeReplyObject(reply);
  redisFree(context);
  return calls;
}

void BalintInQuestions(SessionDriver& s) {
  ASSERT_GRPC_OK(s.Create(kFacilitator, "balint-consultation"));
  ASSERT_GRPC_OK(
      s.Lobby(kFacilitator, kFacilitator, kCaseworker, {kOtherCaseworker, kMember, kSupervisor}));
  ASSERT_GRPC_OK(s.Start(kFacilitator));
  ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_QUESTION, "How do I go on?"));
  ASSERT_GRPC_OK(s.Advance(kFacilitator, "case_description"));
}

// --- SessionReplica ---

std::unique_ptr<SessionReplica> SessionReplica::Start(session::SessionServerOptions options) {
  std::unique_ptr<SessionReplica> replica(new SessionReplica);
  auto metrics = MetricsEndpoint::Start("127.0.0.1:0");
  if (!metrics.ok()) {
    ADD_FAILURE() << metrics.status();
    return nullptr;
  }
  replica->metrics_ = *std::move(metrics);
  auto session_server = session::SessionServer::Create(options, replica->metrics_->registry());
  if (!session_server.ok()) {
    ADD_FAILURE() << session_server.status();
    return nullptr;
  }
  replica->session_server_ = *std::move(session_server);
  ServerOptions server_options;
  server_options.service_name = "session";
  server_options.grpc_address = "127.0.0.1:0";
  server_options.auth = GetTestKeys().verifier_options;
  server_options.drain_grace = absl::Seconds(2);
  server_options.ready = replica->session_server_->ready();
  auto server =
      GrpcServer::Start(server_options, *replica->metrics_, replica->session_server_->bindings());
  if (!server.ok()) {
    ADD_FAILURE() << server.status();
    return nullptr;
  }
  replica->server_ = *std::move(server);
  replica->stub_ = SessionService::NewStub(LoopbackChannel(replica->server_->port()));
  return replica;
}

SessionReplica::~SessionReplica() {
  stub_.reset();
  server_.reset();  // drains calls in flight
  session_server_.reset();
}

// --- SessionStack ---

std::unique_ptr<SessionStack> SessionStack::Start(Options options) {
  std::unique_ptr<SessionStack> stack(new SessionStack);
  stack->options_ = options;
  stack->dir_ = std::make_unique<TempDir>();
  stack->key_file_ = (stack->dir_->path() / "hs256.key").string();
  std::ofstream(stack->key_file_) << GetTestKeys().hs256.material;
  stack->database_ = (stack->dir_->path() / "records.db").string();
  auto env = redis::RedisTestEnv::Start();
  if (!env.ok()) {
    ADD_FAILURE() << env.status();
    return nullptr;
  }
  stack->redis_ = *std::move(env);
  if (!stack->StartRecords()) return nullptr;
  stack->records_port_ = stack->records_->port();
  SeedTeam(stack->records_->stub(), kOrg);
  for (int i = 0; i < options.replicas; ++i) {
    auto replica = SessionReplica::Start(stack->ReplicaOptions());
    if (replica == nullptr) return nullptr;
    stack->replicas_.push_back(std::move(replica));
  }
  return stack;
}

SessionStack::~SessionStack() {
  replicas_.clear();
  records_.reset();
}

SessionReplica* SessionStack::AddReplica() {
  auto replica = SessionReplica::Start(ReplicaOptions());
  if (replica == nullptr) return nullptr;
  replicas_.push_back(std::move(replica));
  return replicas_.back().get();
}

void SessionStack::StopRecords() { records_.reset(); }

bool SessionStack::StartRecords() {
  RecordsTestServer::Options records;
  records.database = database_;
  records.port = records_port_;
  records_ = RecordsTestServer::Start(records);
  return records_ != nullptr;
}

session::SessionServerOptions SessionStack::ReplicaOptions() const {
  session::SessionServerOptions options;
  options.redis.port = redis_.server->port();
  if (options_.redis_patience > absl::ZeroDuration()) {
    options.redis.command_timeout = options_.redis_patience;
    options.redis.ping_timeout = options_.redis_patience;
  }
  options.protocols_dir = options_.protocols_dir.empty()
                              ? absl::StrCat(CASEWORK_SOURCE_DIR, "/protocols")
                              : options_.protocols_dir;
  RecordsClientOptions records;
  records.address = absl::StrCat("127.0.0.1:", records_port_);
  records.hs256_key_file = key_file_;
  records.role = "session-service";
  records.issuer = kTestIssuer;
  records.audience = kTestAudience;
  options.records = records;
  options.timer_loop = options_.timer_loop;
  options.outbox_loop = options_.outbox_loop;
  options.members = options_.members;
  options.quotas = options_.quotas;
  return options;
}

absl::StatusOr<std::unique_ptr<ChildProcess>> SessionStack::StartBinary(
    int port, std::vector<std::string> extra_flags) const {
  std::vector<std::string> argv = {
      absl::StrCat(BinaryDir(), "/casework-session"),
      absl::StrCat("--grpc_address=127.0.0.1:", port),
      absl::StrCat("--metrics_address=127.0.0.1:", FreeTcpPort()),
      absl::StrCat("--redis_address=127.0.0.1:", redis_.server->port()),
      absl::StrCat("--protocols_dir=", ReplicaOptions().protocols_dir),
      absl::StrCat("--records_address=127.0.0.1:", records_port_),
      absl::StrCat("--records_hs256_key_file=", key_file_),
      absl::StrCat("--jwt_hs256_key_file=", key_file_),
      absl::StrCat("--jwt_issuer=", kTestIssuer),
      absl::StrCat("--jwt_audience=", kTestAudience),
      "--log_level=warning"};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  return ChildProcess::Start(argv);
}

// --- SessionDriver ---

std::string SessionDriver::NextRequestId() {
  // Unique across drivers: several drive one session at once in the race tests.
  static std::atomic<int> drivers{0};
  if (driver_id_ == 0) driver_id_ = ++drivers;
  return absl::StrCat("d", driver_id_, "-", ++request_counter_);
}

grpc::Status SessionDriver::Finish(const grpc::Status& status,
                                   const SessionCommandResponse& response) {
  if (status.ok() && response.last_sequence() > 0) last_sequence_ = response.last_sequence();
  return status;
}

grpc::Status SessionDriver::Create(const std::string& by, const std::string& protocol_id,
                                   casework::v1::Session requested) {
  casework::v1::CreateSessionRequest request;
  request.set_parent(kTeamName);
  request.set_request_id(
      absl::StrCat("create-", ++request_counter_, "-", absl::ToUnixNanos(absl::Now())));
  requested.set_protocol_id(protocol_id);
  if (!requested.has_scheduled_start_time()) {
    *requested.mutable_scheduled_start_time() = session::ToTimestamp(absl::Now());
  }
  *request.mutable_session() = std::move(requested);
  casework::v1::Session created;
  grpc::Status status = Call(stub_, &SessionService::Stub::CreateSession, by, request, &created);
  if (status.ok()) {
    name_ = created.name();
    last_sequence_ = created.version();
  }
  return status;
}

grpc::Status SessionDriver::Join(const std::string& subject) {
  casework::v1::JoinSessionRequest request;
  request.set_name(name_);
  request.set_request_id(NextRequestId());
  SessionCommandResponse response;
  return Finish(Call(stub_, &SessionService::Stub::JoinSession, subject, request, &response),
                response);
}

grpc::Status SessionDriver::Acknowledge(const std::string& subject) {
  casework::v1::GetProtocolRequest get;
  const casework::v1::Session session = Get(subject);
  get.set_name(absl::StrCat("organizations/", kOrg, "/protocols/", session.protocol_id()));
  casework::v1::ProtocolTemplate protocol;
  grpc::Status got = Call(stub_, &SessionService::Stub::GetProtocol, subject, get, &protocol);
  if (!got.ok()) return got;
  casework::v1::AcknowledgeAgreementsRequest request;
  request.set_name(name_);
  request.set_request_id(NextRequestId());
  for (const casework::v1::AgreementTemplate& agreement : protocol.agreements()) {
    request.add_agreements(agreement.agreement());
  }
  SessionCommandResponse response;
  return Finish(
      Call(stub_, &SessionService::Stub::AcknowledgeAgreements, subject, request, &response),
      response);
}

grpc::Status SessionDriver::Lobby(const std::string& by, const std::string& facilitator,
                                  const std::string& case_owner,
                                  const std::vector<std::string>& members) {
  std::vector<std::string> everyone = members;
  everyone.insert(everyone.begin(), facilitator);
  if (!case_owner.empty()) everyone.insert(everyone.begin() + 1, case_owner);
  for (const std::string& subject : everyone) {
    if (grpc::Status s = Join(subject); !s.ok()) return s;
    if (grpc::Status s = Acknowledge(subject); !s.ok()) return s;
  }
  return Assign(by, facilitator, case_owner);
}

grpc::Status SessionDriver::Assign(const std::string& by, const std::string& facilitator,
                                   const std::string& case_owner,
                                   const std::string& override_reason) {
  casework::v1::AssignRolesRequest request;
  request.set_name(name_);
  request.set_request_id(NextRequestId());
  request.set_facilitator(facilitator);
  request.set_case_owner(case_owner);
  request.set_override_rotation(!override_reason.empty());
  request.set_override_reason(override_reason);
  SessionCommandResponse response;
  return Finish(Call(stub_, &SessionService::Stub::AssignRoles, by, request, &response), response);
}

grpc::Status SessionDriver::Start(const std::string& by) {
  casework::v1::StartSessionRequest request;
  request.set_name(name_);
  request.set_request_id(NextRequestId());
  SessionCommandResponse response;
  return Finish(Call(stub_, &SessionService::Stub::StartSession, by, request, &response), response);
}

grpc::Status SessionDriver::Advance(const std::string& by, const std::string& expected_phase,
                                    const std::string& override_reason) {
  casework::v1::AdvancePhaseRequest request;
  request.set_name(name_);
  request.set_request_id(NextRequestId());
  request.set_expected_phase_id(expected_phase);
  request.set_override_exit_criteria(!override_reason.empty());
  request.set_override_reason(override_reason);
  SessionCommandResponse response;
  return Finish(Call(stub_, &SessionService::Stub::AdvancePhase, by, request, &response), response);
}

grpc::Status SessionDriver::Add(const std::string& subject, casework::v1::ContributionKind kind,
                                const std::string& text, std::vector<std::string> references) {
  casework::v1::AddContributionRequest request;
  request.set_name(name_);
  request.set_request_id(NextRequestId());
  request.mutable_contribution()->set_kind(kind);
  request.mutable_contribution()->set_text(text);
  for (std::string& reference : references) {
    request.mutable_contribution()->add_references(std::move(reference));
  }
  casework::v1::AddContributionResponse response;
  grpc::Status status =
      Call(stub_, &SessionService::Stub::AddContribution, subject, request, &response);
  if (status.ok()) {
    last_contribution_ = response.contribution().name();
    if (response.last_sequence() > 0) last_sequence_ = response.last_sequence();
  }
  return status;
}

grpc::Status SessionDriver::CheckIn(const std::string& subject, const std::string& success,
                                    const std::string& challenge) {
  casework::v1::AddContributionRequest request;
  request.set_name(name_);
  request.set_request_id(NextRequestId());
  request.mutable_contribution()->set_kind(casework::v1::CONTRIBUTION_KIND_CHECK_IN);
  request.mutable_contribution()->mutable_check_in()->set_success(success);
  request.mutable_contribution()->mutable_check_in()->set_challenge(challenge);
  casework::v1::AddContributionResponse response;
  return Call(stub_, &SessionService::Stub::AddContribution, subject, request, &response);
}

grpc::Status SessionDriver::ActionItem(const std::string& by, const std::string& text,
                                       const std::string& owner,
                                       casework::v1::ActionItemOwnerRole role) {
  casework::v1::AddContributionRequest request;
  request.set_name(name_);
  request.set_request_id(NextRequestId());
  casework::v1::Contribution* c = request.mutable_contribution();
  c->set_kind(casework::v1::CONTRIBUTION_KIND_ACTION_ITEM);
  c->set_text(text);
  c->mutable_action_item()->set_owner(owner);
  c->mutable_action_item()->set_owner_role(role);
  *c->mutable_action_item()->mutable_due_time() =
      session::ToTimestamp(absl::Now() + absl::Hours(24 * 7));
  casework::v1::AddContributionResponse response;
  return Call(stub_, &SessionService::Stub::AddContribution, by, request, &response);
}

grpc::Status SessionDriver::Respond(const std::string& by, const std::string& hypothesis,
                                    casework::v1::HypothesisResponse answer) {
  casework::v1::RespondToHypothesisRequest request;
  request.set_name(name_);
  request.set_request_id(NextRequestId());
  request.set_hypothesis(hypothesis);
  request.set_response(answer);
  SessionCommandResponse response;
  return Finish(Call(stub_, &SessionService::Stub::RespondToHypothesis, by, request, &response),
                response);
}

grpc::Status SessionDriver::GiveTurn(const std::string& by, const std::string& subject) {
  casework::v1::GiveTurnRequest request;
  request.set_name(name_);
  request.set_request_id(NextRequestId());
  request.set_participant(subject);
  SessionCommandResponse response;
  return Finish(Call(stub_, &SessionService::Stub::GiveTurn, by, request, &response), response);
}

grpc::Status SessionDriver::Reveal(const std::string& by, std::vector<std::string> contributions) {
  casework::v1::RevealContributionsRequest request;
  request.set_name(name_);
  request.set_request_id(NextRequestId());
  for (std::string& name : contributions) request.add_contributions(std::move(name));
  SessionCommandResponse response;
  return Finish(Call(stub_, &SessionService::Stub::RevealContributions, by, request, &response),
                response);
}

grpc::Status SessionDriver::End(const std::string& by, const std::string& reason) {
  casework::v1::EndSessionRequest request;
  request.set_name(name_);
  request.set_reason(reason);
  request.set_request_id(NextRequestId());
  SessionCommandResponse response;
  return Finish(Call(stub_, &SessionService::Stub::EndSession, by, request, &response), response);
}

grpc::Status SessionDriver::Vote(const std::string& subject, casework::v1::ReleaseChoice choice) {
  casework::v1::CastReleaseVoteRequest request;
  request.set_name(name_);
  request.set_choice(choice);
  request.set_request_id(NextRequestId());
  SessionCommandResponse response;
  return Finish(Call(stub_, &SessionService::Stub::CastReleaseVote, subject, request, &response),
                response);
}

casework::v1::Session SessionDriver::Get(const std::string& subject) {
  casework::v1::GetSessionRequest request;
  request.set_name(name_);
  request.set_view(casework::v1::SESSION_VIEW_FULL);
  casework::v1::Session session;
  grpc::Status status = Call(stub_, &SessionService::Stub::GetSession, subject, request, &session);
  EXPECT_TRUE(status.ok()) << "GetSession as " << subject << ": " << status.error_message();
  return session;
}

std::vector<casework::v1::SessionEvent> SessionDriver::Events(const std::string& subject) {
  std::vector<casework::v1::SessionEvent> events;
  casework::v1::ListSessionEventsRequest request;
  request.set_parent(name_);
  request.set_page_size(1000);
  while (true) {
    casework::v1::ListSessionEventsResponse response;
    grpc::Status status =
        Call(stub_, &SessionService::Stub::ListSessionEvents, subject, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    for (casework::v1::SessionEvent& event : *response.mutable_events()) {
      events.push_back(std::move(event));
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  return events;
}

}  // namespace casework::testing
