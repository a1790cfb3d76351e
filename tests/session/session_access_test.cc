// Need-to-know in live sessions, over real gRPC with the real records service: membership comes
// from the team's member list (a token's `teams` claim alone opens nothing), a live session is
// read by its participants only (not its creator, not the team's supervisor), and everything
// that is not the caller's answers byte for byte like something that does not exist.
#include <functional>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/field_mask.pb.h"
#include "gtest/gtest.h"
#include "libs/session_engine/time_util.h"
#include "tests/kit_test_support.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;
using Stub = v1::SessionService::Stub;

// One call of an RPC that takes a session name, made with `token`.
using Probe = std::function<grpc::Status(Stub&, const std::string& token, const std::string&)>;

template <typename Request, typename Response>
grpc::Status Send(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& token, const Request& request) {
  Response response;
  return (stub.*method)(ContextWithToken(token).get(), request, &response);
}

// Every session RPC that names a session, with a valid request for a session in its questions.
std::map<std::string, Probe> SessionProbes() {
  std::map<std::string, Probe> probes;
  probes["GetSession"] = [](Stub& stub, const std::string& token, const std::string& name) {
    v1::GetSessionRequest r;
    r.set_name(name);
    return Send(stub, &Stub::GetSession, token, r);
  };
  probes["ListSessionEvents"] = [](Stub& stub, const std::string& token, const std::string& name) {
    v1::ListSessionEventsRequest r;
    r.set_parent(name);
    return Send(stub, &Stub::ListSessionEvents, token, r);
  };
  probes["ListContributions"] = [](Stub& stub, const std::string& token, const std::string& name) {
    v1::ListContributionsRequest r;
    r.set_parent(name);
    return Send(stub, &Stub::ListContributions, token, r);
  };
  probes["ListContributionsInvalid"] = [](Stub& stub, const std::string& token,
                                          const std::string& name) {
    v1::ListContributionsRequest r;  // a bad token: authorisation comes before validation
    r.set_parent(name);
    r.set_page_size(-1);
    r.set_page_token("not-a-token");
    return Send(stub, &Stub::ListContributions, token, r);
  };
  probes["AddContribution"] = [](Stub& stub, const std::string& token, const std::string& name) {
    v1::AddContributionRequest r;
    r.set_name(name);
    r.set_request_id("probe-add");
    r.mutable_contribution()->set_kind(v1::CONTRIBUTION_KIND_QUESTION);
    r.mutable_contribution()->set_text("Why does the mother call every day?");
    return Send(stub, &Stub::AddContribution, token, r);
  };
  probes["AddContributionInvalid"] = [](Stub& stub, const std::string& token,
                                        const std::string& name) {
    v1::AddContributionRequest r;  // no kind, no text: authorisation comes before validation
    r.set_name(name);
    return Send(stub, &Stub::AddContribution, token, r);
  };
  probes["AcknowledgeAgreements"] = [](Stub& stub, const std::string& token,
                                       const std::string& name) {
    v1::AcknowledgeAgreementsRequest r;
    r.set_name(name);
    r.set_request_id("probe-ack");
    return Send(stub, &Stub::AcknowledgeAgreements, token, r);
  };
  probes["AdvancePhase"] = [](Stub& stub, const std::string& token, const std::string& name) {
    v1::AdvancePhaseRequest r;
    r.set_name(name);
    r.set_expected_phase_id("questions");
    r.set_request_id("probe-advance");
    return Send(stub, &Stub::AdvancePhase, token, r);
  };
  probes["PauseSession"] = [](Stub& stub, const std::string& token, const std::string& name) {
    v1::PauseSessionRequest r;
    r.set_name(name);
    r.set_request_id("probe-pause");
    return Send(stub, &Stub::PauseSession, token, r);
  };
  probes["EndSession"] = [](Stub& stub, const std::string& token, const std::string& name) {
    v1::EndSessionRequest r;
    r.set_name(name);
    r.set_reason("probing");
    r.set_request_id("probe-end");
    return Send(stub, &Stub::EndSession, token, r);
  };
  probes["CastReleaseVote"] = [](Stub& stub, const std::string& token, const std::string& name) {
    v1::CastReleaseVoteRequest r;
    r.set_name(name);
    r.set_choice(v1::RELEASE_CHOICE_AGREE);
    r.set_request_id("probe-vote");
    return Send(stub, &Stub::CastReleaseVote, token, r);
  };
  return probes;
}

// Code, message and details identical: nothing tells the two apart.
void ExpectSameAnswer(const grpc::Status& got, const grpc::Status& missing,
                      const std::string& what) {
  EXPECT_EQ(got.error_code(), grpc::StatusCode::NOT_FOUND) << what << ": " << got.error_message();
  EXPECT_EQ(got.error_code(), missing.error_code()) << what;
  EXPECT_EQ(got.error_message(), missing.error_message()) << what;
  EXPECT_EQ(got.error_details(), missing.error_details()) << what;
}

// Compares every probe on `name` with `token` against the same probe on a missing session.
void ExpectEveryProbeLikeMissing(Stub& stub, const std::string& token, const std::string& name,
                                 const std::string& who) {
  const std::string missing = absl::StrCat(kTeamName, "/sessions/does-not-exist");
  for (const auto& [rpc, probe] : SessionProbes()) {
    ExpectSameAnswer(probe(stub, token, name), probe(stub, token, missing),
                     absl::StrCat(who, " ", rpc));
  }
}

grpc::Status CreateIn(Stub& stub, const std::string& token, const std::string& parent) {
  v1::CreateSessionRequest r;
  r.set_parent(parent);
  r.set_request_id(absl::StrCat("create-", absl::ToUnixNanos(absl::Now())));
  r.mutable_session()->set_protocol_id("balint-consultation");
  *r.mutable_session()->mutable_scheduled_start_time() = session::ToTimestamp(absl::Now());
  return Send(stub, &Stub::CreateSession, token, r);
}

grpc::Status ListIn(Stub& stub, const std::string& token, const std::string& parent) {
  v1::ListSessionsRequest r;
  r.set_parent(parent);
  return Send(stub, &Stub::ListSessions, token, r);
}

TEST(SessionAccess, ATeamClaimWithoutMembershipOpensNothing) {
  auto stack = SessionStack::Start();
  ASSERT_NE(stack, nullptr);
  SessionDriver s(&stack->stub());
  BalintInQuestions(s);
  // kOutsider's token names team t1, but the team's member list does not.
  const std::string intruder = PersonToken(kOutsider);
  ExpectEveryProbeLikeMissing(stack->stub(), intruder, s.name(), "non-member");

  // Creating and listing in the team answer like a team that does not exist.
  const std::string ghost_team = "organizations/o1/teams/ghost";
  const std::string member_of_ghost_claim =
      TokenFor(kFacilitator, kOrg, {"facilitator"}, {"t1", "ghost"});
  ExpectSameAnswer(CreateIn(stack->stub(), intruder, kTeamName),
                   CreateIn(stack->stub(), member_of_ghost_claim, ghost_team), "CreateSession");
  ExpectSameAnswer(ListIn(stack->stub(), intruder, kTeamName),
                   ListIn(stack->stub(), member_of_ghost_claim, ghost_team), "ListSessions");
  v1::JoinSessionRequest join;
  join.set_name(s.name());
  join.set_request_id("join-intruder");
  v1::JoinSessionRequest join_missing = join;
  join_missing.set_name(absl::StrCat(kTeamName, "/sessions/does-not-exist"));
  ExpectSameAnswer(Send(stack->stub(), &Stub::JoinSession, intruder, join),
                   Send(stack->stub(), &Stub::JoinSession, intruder, join_missing), "JoinSession");
  // A member of the list without the claim gets nothing either (as in records).
  const std::string claimless = TokenFor(kMember, kOrg, {"member"}, {});
  ExpectEveryProbeLikeMissing(stack->stub(), claimless, s.name(), "member without claim");
  // Nothing was appended by any of it.
  EXPECT_EQ(s.Get(kFacilitator).version(), s.last_sequence());
}

TEST(SessionAccess, ANonParticipatingSupervisorCannotReadALiveSession) {
  auto stack = SessionStack::Start();
  ASSERT_NE(stack, nullptr);
  for (const char* protocol : {"balint-consultation", "intervision"}) {
    SessionDriver s(&stack->stub());
    ASSERT_GRPC_OK(s.Create(kFacilitator, protocol));
    ASSERT_GRPC_OK(s.Join(kFacilitator));
    ASSERT_GRPC_OK(s.Join(kCaseworker));
    ASSERT_GRPC_OK(s.Join(kMember));
    // The team's supervisor, a team member who has not joined: not a participant.
    ExpectEveryProbeLikeMissing(stack->stub(), PersonToken(kSupervisor), s.name(),
                                absl::StrCat("supervisor on ", protocol));
    // Nor the creator's seat: a member who has not joined reads nothing either.
    ExpectEveryProbeLikeMissing(stack->stub(), PersonToken(kOtherCaseworker), s.name(),
                                absl::StrCat("non-participant on ", protocol));
    // ListSessions shows the team's sessions so members can find one to join — name, protocol,
    // state and times, no participants, roles or contributions.
    v1::ListSessionsRequest list;
    list.set_parent(kTeamName);
    list.set_view(v1::SESSION_VIEW_FULL);
    v1::ListSessionsResponse listed;
    ASSERT_GRPC_OK(stack->stub().ListSessions(ContextWithToken(PersonToken(kSupervisor)).get(),
                                              list, &listed));
    bool found = false;
    for (const v1::Session& session : listed.sessions()) {
      if (session.name() != s.name()) continue;
      found = true;
      EXPECT_EQ(session.participants_size(), 0);
      EXPECT_EQ(session.contributions_size(), 0);
      EXPECT_TRUE(session.facilitator().empty());
    }
    EXPECT_TRUE(found);
    // Joining makes them a participant, and then they read it.
    ASSERT_GRPC_OK(s.Join(kSupervisor));
    EXPECT_EQ(s.Get(kSupervisor).name(), s.name());
  }
}

TEST(SessionAccess, ARemovedMemberLosesAccessWithinTheBound) {
  SessionStack::Options options;
  options.members.ttl = absl::Seconds(1);
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  SessionDriver s(&stack->stub());
  BalintInQuestions(s);
  ASSERT_EQ(s.Get(kMember).name(), s.name());

  v1::GetTeamRequest get_team;
  get_team.set_name(kTeamName);
  v1::Team team;
  ASSERT_GRPC_OK(Call(stack->records().stub(), &v1::RecordsService::Stub::GetTeam, AdminToken(),
                      get_team, &team));
  v1::UpdateTeamRequest update;
  *update.mutable_team() = team;
  update.mutable_team()->clear_members();
  for (const v1::TeamMember& member : team.members()) {
    if (member.subject() != kMember) *update.mutable_team()->add_members() = member;
  }
  update.mutable_update_mask()->add_paths("members");
  update.set_request_id("remove-member");
  v1::Team updated;
  ASSERT_GRPC_OK(Call(stack->records().stub(), &v1::RecordsService::Stub::UpdateTeam, AdminToken(),
                      update, &updated));
  const absl::Time removed = absl::Now();
  // The bound: the member list's ttl, plus one records deadline for the fetch that sees it.
  const absl::Duration bound = options.members.ttl + absl::Seconds(2);
  grpc::Status read;
  do {
    v1::GetSessionRequest get;
    get.set_name(s.name());
    read = Send(stack->stub(), &Stub::GetSession, PersonToken(kMember), get);
  } while (read.ok() && absl::Now() - removed < bound);
  EXPECT_EQ(read.error_code(), grpc::StatusCode::NOT_FOUND)
      << "still readable " << absl::Now() - removed << " after the removal";
  ExpectEveryProbeLikeMissing(stack->stub(), PersonToken(kMember), s.name(), "removed member");
}

}  // namespace
}  // namespace casework::testing
