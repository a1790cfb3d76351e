// The session service as a client sees it: real gRPC on loopback, the real engine and protocols,
// a private redis-server with the project's config. Creation, idempotent retries, joining,
// reading the session and its timeline, confidentiality across organisations, engine refusals
// surfacing with their codes, and durability across a Redis kill -9.
#include <memory>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/redis/redis_test_env.h"
#include "libs/server/grpc_server.h"
#include "libs/server/grpc_status.h"
#include "libs/server/json_log.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/errors.h"
#include "libs/testing/test_tokens.h"
#include "services/session/session_server.h"
#include "tests/kit_test_support.h"
#include "tests/session/session_test_support.h"

namespace casework::session {
namespace {

using casework::testing::ContextWithToken;
using casework::testing::kCaseworker;
using casework::testing::kFacilitator;
using casework::testing::kMember;
using casework::testing::kOrg;
using casework::testing::kOtherCaseworker;
using casework::testing::kOutsider;
using casework::v1::SessionService;

constexpr char kTeam[] = "organizations/o1/teams/t1";
const absl::Time kStart = absl::Now();

class SessionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitJsonLogging("session-test", "warning").ok());
    stack_ = casework::testing::SessionStack::Start();
    ASSERT_NE(stack_, nullptr);
    channel_ = casework::testing::LoopbackChannel(stack_->replica(0).port());
    stub_ = &stack_->stub();
  }

  static std::string Token(const std::string& subject, const std::string& org = kOrg) {
    return casework::testing::PersonToken(subject, org);
  }

  grpc::Status Create(const std::string& subject, const std::string& id,
                      const std::string& request_id, casework::v1::Session* out,
                      const std::string& protocol = "balint-consultation") {
    casework::v1::CreateSessionRequest request;
    request.set_parent(kTeam);
    request.set_session_id(id);
    request.set_request_id(request_id);
    request.mutable_session()->set_protocol_id(protocol);
    *request.mutable_session()->mutable_scheduled_start_time() = ToTimestamp(kStart);
    return stub_->CreateSession(ContextWithToken(Token(subject)).get(), request, out);
  }

  grpc::Status Join(const std::string& subject, const std::string& name,
                    casework::v1::SessionCommandResponse* out, const std::string& org = kOrg) {
    casework::v1::JoinSessionRequest request;
    request.set_name(name);
    request.set_request_id(absl::StrCat("join-", subject));
    return stub_->JoinSession(ContextWithToken(Token(subject, org)).get(), request, out);
  }

  std::unique_ptr<casework::testing::SessionStack> stack_;
  std::shared_ptr<grpc::Channel> channel_;
  SessionService::Stub* stub_ = nullptr;
};

TEST_F(SessionServiceTest, CreateIsIdempotentAndJoinAppendsEvents) {
  casework::v1::Session created;
  grpc::Status status = Create(kFacilitator, "s1", "create-1", &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(created.name(), absl::StrCat(kTeam, "/sessions/s1"));
  EXPECT_EQ(created.protocol_id(), "balint-consultation");
  const int64_t version = created.version();
  EXPECT_GE(version, 1);

  casework::v1::Session retried;
  ASSERT_TRUE(Create(kFacilitator, "s1", "create-1", &retried).ok());
  EXPECT_EQ(retried.version(), version);  // replayed, nothing appended

  casework::v1::Session reused;
  grpc::Status reuse = Create(kFacilitator, "s1", "create-1", &reused, "intervision");
  EXPECT_EQ(reuse.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(reuse)), "REQUEST_ID_REUSED");

  casework::v1::SessionCommandResponse joined;
  ASSERT_TRUE(Join(kMember, created.name(), &joined).ok());
  EXPECT_EQ(joined.first_sequence(), version + 1);
  EXPECT_EQ(joined.last_sequence(), joined.session().version());

  casework::v1::ListSessionEventsRequest list;
  list.set_parent(created.name());
  casework::v1::ListSessionEventsResponse events;
  ASSERT_TRUE(stub_->ListSessionEvents(ContextWithToken(Token(kMember)).get(), list, &events).ok());
  ASSERT_EQ(events.events_size(), joined.last_sequence());
  for (int i = 0; i < events.events_size(); ++i) EXPECT_EQ(events.events(i).sequence(), i + 1);
}

// AddContribution answers with the contribution and what it changed in the session (name, state,
// version, etag, usage, hypotheses) — the same values GetSession shows — and nothing more.
TEST_F(SessionServiceTest, AddContributionAnswersWithWhatItChanged) {
  casework::testing::SessionDriver s(stub_);
  casework::testing::BalintInQuestions(s);
  if (HasFatalFailure()) return;
  casework::v1::AddContributionRequest request;
  request.set_name(s.name());
  request.set_request_id("changed-1");
  request.mutable_contribution()->set_kind(casework::v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION);
  request.mutable_contribution()->set_text("Since when does the family not answer?");
  casework::v1::AddContributionResponse added;
  grpc::Status status =
      stub_->AddContribution(ContextWithToken(Token(kMember)).get(), request, &added);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(added.contribution().text(), "Since when does the family not answer?");

  casework::v1::GetSessionRequest get;
  get.set_name(s.name());
  get.set_view(casework::v1::SESSION_VIEW_BASIC);
  casework::v1::Session read;
  ASSERT_TRUE(stub_->GetSession(ContextWithToken(Token(kMember)).get(), get, &read).ok());
  const casework::v1::Session& changed = added.session();
  EXPECT_EQ(changed.name(), read.name());
  EXPECT_EQ(changed.state(), read.state());
  EXPECT_EQ(changed.version(), read.version());
  EXPECT_EQ(changed.version(), added.last_sequence());
  EXPECT_EQ(changed.etag(), read.etag());
  EXPECT_EQ(changed.usage().SerializeAsString(), read.usage().SerializeAsString());
  EXPECT_EQ(changed.usage().contributions(), 2);
  EXPECT_EQ(changed.hypotheses().SerializeAsString(), read.hypotheses().SerializeAsString());
  // Nothing a contribution leaves unchanged is copied into the reply.
  EXPECT_EQ(changed.participants_size(), 0);
  EXPECT_FALSE(changed.has_current_phase());
  EXPECT_FALSE(changed.has_limits());
}

TEST_F(SessionServiceTest, OnlyParticipantsReadAndOtherOrganisationsSeeNothing) {
  casework::v1::Session created;
  ASSERT_TRUE(Create(kFacilitator, "s2", "create-2", &created).ok());
  casework::v1::SessionCommandResponse creator_joined;
  ASSERT_TRUE(Join(kFacilitator, created.name(), &creator_joined).ok());
  casework::v1::GetSessionRequest get;
  get.set_name(created.name());
  casework::v1::Session read;
  EXPECT_TRUE(stub_->GetSession(ContextWithToken(Token(kFacilitator)).get(), get, &read).ok());

  grpc::Status outsider = stub_->GetSession(ContextWithToken(Token(kOutsider)).get(), get, &read);
  EXPECT_EQ(outsider.error_code(), grpc::StatusCode::NOT_FOUND);
  casework::v1::GetSessionRequest missing;
  missing.set_name(absl::StrCat(kTeam, "/sessions/nope"));
  grpc::Status absent =
      stub_->GetSession(ContextWithToken(Token(kFacilitator)).get(), missing, &read);
  // Another organisation's token on this session: the same answer as a missing session.
  grpc::Status foreign =
      stub_->GetSession(ContextWithToken(Token(kFacilitator, "other-org")).get(), get, &read);
  EXPECT_EQ(foreign.error_code(), absent.error_code());
  EXPECT_EQ(foreign.error_message(), absent.error_message());
  EXPECT_EQ(foreign.error_details(), absent.error_details());
  casework::v1::SessionCommandResponse joined;
  grpc::Status foreign_join = Join(kMember, created.name(), &joined, "other-org");
  EXPECT_EQ(foreign_join.error_code(), grpc::StatusCode::NOT_FOUND) << foreign_join.error_message();
  EXPECT_EQ(foreign_join.error_message(), absent.error_message());
}

TEST_F(SessionServiceTest, EngineRefusalsKeepTheirCodesAndChangeNothing) {
  casework::v1::Session created;
  ASSERT_TRUE(Create(kFacilitator, "s3", "create-3", &created).ok());
  casework::v1::SessionCommandResponse creator_joined;
  ASSERT_TRUE(Join(kFacilitator, created.name(), &creator_joined).ok());
  created = creator_joined.session();
  casework::v1::AdvancePhaseRequest advance;
  advance.set_name(created.name());
  advance.set_expected_phase_id("case_description");
  advance.set_request_id("advance-too-early");
  casework::v1::SessionCommandResponse response;
  grpc::Status refused =
      stub_->AdvancePhase(ContextWithToken(Token(kFacilitator)).get(), advance, &response);
  EXPECT_TRUE(refused.error_code() == grpc::StatusCode::FAILED_PRECONDITION ||
              refused.error_code() == grpc::StatusCode::PERMISSION_DENIED)
      << refused.error_code() << " " << refused.error_message();
  EXPECT_FALSE(ErrorReason(FromGrpcStatus(refused)).empty());
  casework::v1::GetSessionRequest get;
  get.set_name(created.name());
  casework::v1::Session after;
  ASSERT_TRUE(stub_->GetSession(ContextWithToken(Token(kFacilitator)).get(), get, &after).ok());
  EXPECT_EQ(after.version(), created.version());
}

TEST_F(SessionServiceTest, AcknowledgedEventsSurviveRedisKill9AndHealthFollowsRedis) {
  casework::v1::Session created;
  ASSERT_TRUE(Create(kFacilitator, "s4", "create-4", &created).ok());
  casework::v1::SessionCommandResponse joined;
  ASSERT_TRUE(Join(kMember, created.name(), &joined).ok());

  stack_->redis().server->Kill9();
  EXPECT_TRUE(casework::testing::WaitUntilServing(channel_, "casework.v1.SessionService",
                                                  absl::Seconds(2), /*want=*/false))
      << "NOT_SERVING within 2 s of losing Redis";
  casework::v1::SessionCommandResponse during;
  const absl::Time sent = absl::Now();
  grpc::Status outage = Join(kOtherCaseworker, created.name(), &during);
  EXPECT_EQ(outage.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_LT(absl::Now() - sent, absl::Seconds(1));

  ASSERT_TRUE(stack_->redis().server->Restart().ok());
  ASSERT_TRUE(casework::testing::WaitUntilServing(channel_, "casework.v1.SessionService",
                                                  absl::Seconds(5)));
  casework::v1::GetSessionRequest get;
  get.set_name(created.name());
  casework::v1::Session after;
  ASSERT_TRUE(stub_->GetSession(ContextWithToken(Token(kMember)).get(), get, &after).ok());
  EXPECT_EQ(after.version(), joined.last_sequence());
}

}  // namespace
}  // namespace casework::session
