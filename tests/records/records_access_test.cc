// Need-to-know over a real channel: the permission matrix of docs/ACCESS.md for every RPC and
// every kind of caller, and the cross-organisation probes on every RPC that takes a name. A
// resource the caller may not see — in another organisation or outside their need to know — must
// answer byte-identically (code, message, details) to one that does not exist; authorisation
// comes before validation, so an allowed write sent without a request_id answers
// INVALID_ARGUMENT while a refused one answers NOT_FOUND or PERMISSION_DENIED.
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/records/domain/proto_time.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::RecordsService;
using Stub = RecordsService::Stub;
using records::ToProtoTime;

// What a caller gets: A = allowed (OK for reads, INVALID_ARGUMENT for the probe writes, which carry
// no request_id), N = NOT_FOUND, P = PERMISSION_DENIED.
enum Outcome { A, N, P };

// The callers, in the column order of the matrix.
const std::vector<std::string>& Callers() {
  static const auto* callers = new std::vector<std::string>{
      "admin",       "auditor", "supervisor", "caseworker",      "other caseworker",
      "facilitator", "member",  "outsider",   "session-service", "notification-service"};
  return *callers;
}

std::string TokenOf(const std::string& caller, const std::string& org,
                    const std::string& service_org) {
  if (caller == "admin") return AdminToken(org);
  if (caller == "auditor") return AuditorToken(org);
  if (caller == "supervisor") return SupervisorToken(org);
  if (caller == "caseworker") return CaseworkerToken(org);
  if (caller == "other caseworker") return OtherCaseworkerToken(org);
  if (caller == "facilitator") return FacilitatorToken(org);
  if (caller == "member") return MemberToken(org);
  if (caller == "outsider") return OutsiderToken(org);
  if (caller == "session-service") return SessionServiceToken(service_org);
  return NotificationServiceToken(service_org);
}

using Probe = std::function<grpc::Status(Stub&, const std::string& token, const std::string& org)>;

template <typename Request, typename Response>
Probe MakeProbe(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                std::function<Request(const std::string& team)> build) {
  return [method, build](Stub& stub, const std::string& token, const std::string& org) {
    Response response;
    return Call(stub, method, token, build(absl::StrCat("organizations/", org, "/teams/t1")),
                &response);
  };
}

std::string OrgOf(const std::string& team) { return team.substr(0, team.find("/teams/")); }

struct Row {
  std::string rpc;
  Probe probe;
  std::vector<Outcome> expected;  // per caller
  bool write = false;
};

std::vector<Row> Matrix() {
  std::vector<Row> rows;
  auto add = [&](std::string rpc, Probe probe, std::vector<Outcome> expected, bool write) {
    rows.push_back({std::move(rpc), std::move(probe), std::move(expected), write});
  };
  // Columns: admin auditor supervisor caseworker other-cw facilitator member outsider
  //          session-service notification-service
  const std::vector<Outcome> case_readers = {N, N, A, A, N, N, N, N, N, N};
  add("CreateTeam",
      MakeProbe<v1::CreateTeamRequest, v1::Team>(&Stub::CreateTeam,
                                                 [](auto team) {
                                                   v1::CreateTeamRequest r;
                                                   r.set_parent(OrgOf(team));
                                                   return r;
                                                 }),
      {A, P, P, P, P, P, P, P, N, N}, true);
  add("GetTeam",
      MakeProbe<v1::GetTeamRequest, v1::Team>(&Stub::GetTeam,
                                              [](auto team) {
                                                v1::GetTeamRequest r;
                                                r.set_name(team);
                                                return r;
                                              }),
      {A, A, A, A, A, A, A, N, A, A}, false);
  add("ListTeams",
      MakeProbe<v1::ListTeamsRequest, v1::ListTeamsResponse>(&Stub::ListTeams,
                                                             [](auto team) {
                                                               v1::ListTeamsRequest r;
                                                               r.set_parent(OrgOf(team));
                                                               return r;
                                                             }),
      {A, A, A, A, A, A, A, A, A, A}, false);
  add("UpdateTeam",
      MakeProbe<v1::UpdateTeamRequest, v1::Team>(&Stub::UpdateTeam,
                                                 [](auto team) {
                                                   v1::UpdateTeamRequest r;
                                                   r.mutable_team()->set_name(team);
                                                   r.mutable_update_mask()->add_paths(
                                                       "meeting_cadence");
                                                   return r;
                                                 }),
      {A, P, A, P, P, P, P, N, N, N}, true);
  add("CreateCase",
      MakeProbe<v1::CreateCaseRequest, v1::Case>(&Stub::CreateCase,
                                                 [](auto team) {
                                                   v1::CreateCaseRequest r;
                                                   r.set_parent(team);
                                                   r.mutable_case_()->set_caseworker(kCaseworker);
                                                   return r;
                                                 }),
      {N, N, A, A, P, P, P, N, N, N}, true);
  add("GetCase",
      MakeProbe<v1::GetCaseRequest, v1::Case>(&Stub::GetCase,
                                              [](auto team) {
                                                v1::GetCaseRequest r;
                                                r.set_name(team + "/cases/c1");
                                                return r;
                                              }),
      case_readers, false);
  add("ListCases",
      MakeProbe<v1::ListCasesRequest, v1::ListCasesResponse>(&Stub::ListCases,
                                                             [](auto team) {
                                                               v1::ListCasesRequest r;
                                                               r.set_parent(team);
                                                               return r;
                                                             }),
      {N, N, A, A, A, A, A, N, N, N}, false);
  add("UpdateCase",
      MakeProbe<v1::UpdateCaseRequest, v1::Case>(&Stub::UpdateCase,
                                                 [](auto team) {
                                                   v1::UpdateCaseRequest r;
                                                   r.mutable_case_()->set_name(team + "/cases/c1");
                                                   r.mutable_update_mask()->add_paths("risk_level");
                                                   return r;
                                                 }),
      case_readers, true);
  add("AdvanceCaseStage",
      MakeProbe<v1::AdvanceCaseStageRequest, v1::Case>(&Stub::AdvanceCaseStage,
                                                       [](auto team) {
                                                         v1::AdvanceCaseStageRequest r;
                                                         r.set_name(team + "/cases/c1");
                                                         return r;
                                                       }),
      case_readers, true);
  add("CloseCase",
      MakeProbe<v1::CloseCaseRequest, v1::Case>(&Stub::CloseCase,
                                                [](auto team) {
                                                  v1::CloseCaseRequest r;
                                                  r.set_name(team + "/cases/c1");
                                                  return r;
                                                }),
      case_readers, true);
  add("CreateGoal",
      MakeProbe<v1::CreateGoalRequest, v1::Goal>(&Stub::CreateGoal,
                                                 [](auto team) {
                                                   v1::CreateGoalRequest r;
                                                   r.set_parent(team + "/cases/c1");
                                                   return r;
                                                 }),
      case_readers, true);
  add("GetGoal",
      MakeProbe<v1::GetGoalRequest, v1::Goal>(&Stub::GetGoal,
                                              [](auto team) {
                                                v1::GetGoalRequest r;
                                                r.set_name(team + "/cases/c1/goals/g1");
                                                return r;
                                              }),
      case_readers, false);
  add("ListGoals",
      MakeProbe<v1::ListGoalsRequest, v1::ListGoalsResponse>(&Stub::ListGoals,
                                                             [](auto team) {
                                                               v1::ListGoalsRequest r;
                                                               r.set_parent(team + "/cases/c1");
                                                               return r;
                                                             }),
      case_readers, false);
  add("UpdateGoal",
      MakeProbe<v1::UpdateGoalRequest, v1::Goal>(
          &Stub::UpdateGoal,
          [](auto team) {
            v1::UpdateGoalRequest r;
            r.mutable_goal()->set_name(team + "/cases/c1/goals/g1");
            r.mutable_update_mask()->add_paths("review_note");
            return r;
          }),
      case_readers, true);
  add("CreateBenefitIndicator",
      MakeProbe<v1::CreateBenefitIndicatorRequest, v1::BenefitIndicator>(
          &Stub::CreateBenefitIndicator,
          [](auto team) {
            v1::CreateBenefitIndicatorRequest r;
            r.set_parent(team + "/cases/c1");
            return r;
          }),
      case_readers, true);
  add("GetBenefitIndicator",
      MakeProbe<v1::GetBenefitIndicatorRequest, v1::BenefitIndicator>(
          &Stub::GetBenefitIndicator,
          [](auto team) {
            v1::GetBenefitIndicatorRequest r;
            r.set_name(team + "/cases/c1/benefitIndicators/b1");
            return r;
          }),
      case_readers, false);
  add("ListBenefitIndicators",
      MakeProbe<v1::ListBenefitIndicatorsRequest, v1::ListBenefitIndicatorsResponse>(
          &Stub::ListBenefitIndicators,
          [](auto team) {
            v1::ListBenefitIndicatorsRequest r;
            r.set_parent(team + "/cases/c1");
            return r;
          }),
      case_readers, false);
  add("RecordMeasurement",
      MakeProbe<v1::RecordMeasurementRequest, v1::BenefitIndicator>(
          &Stub::RecordMeasurement,
          [](auto team) {
            v1::RecordMeasurementRequest r;
            r.set_name(team + "/cases/c1/benefitIndicators/b1");
            return r;
          }),
      case_readers, true);
  const std::vector<Outcome> meeting_writers = {N, N, A, P, P, P, P, N, N, P};
  const std::vector<Outcome> team_readers = {N, N, A, A, A, A, A, N, N, A};
  add("CreateMeeting",
      MakeProbe<v1::CreateMeetingRequest, v1::Meeting>(&Stub::CreateMeeting,
                                                       [](auto team) {
                                                         v1::CreateMeetingRequest r;
                                                         r.set_parent(team);
                                                         return r;
                                                       }),
      meeting_writers, true);
  add("GetMeeting",
      MakeProbe<v1::GetMeetingRequest, v1::Meeting>(&Stub::GetMeeting,
                                                    [](auto team) {
                                                      v1::GetMeetingRequest r;
                                                      r.set_name(team + "/meetings/m1");
                                                      return r;
                                                    }),
      team_readers, false);
  add("ListMeetings",
      MakeProbe<v1::ListMeetingsRequest, v1::ListMeetingsResponse>(&Stub::ListMeetings,
                                                                   [](auto team) {
                                                                     v1::ListMeetingsRequest r;
                                                                     r.set_parent(team);
                                                                     return r;
                                                                   }),
      team_readers, false);
  add("UpdateMeeting",
      MakeProbe<v1::UpdateMeetingRequest, v1::Meeting>(
          &Stub::UpdateMeeting,
          [](auto team) {
            v1::UpdateMeetingRequest r;
            r.mutable_meeting()->set_name(team + "/meetings/m1");
            r.mutable_update_mask()->add_paths("state");
            return r;
          }),
      meeting_writers, true);
  add("AttachCaseLoadReview",
      MakeProbe<v1::AttachCaseLoadReviewRequest, v1::Meeting>(&Stub::AttachCaseLoadReview,
                                                              [](auto team) {
                                                                v1::AttachCaseLoadReviewRequest r;
                                                                r.set_name(team + "/meetings/m1");
                                                                return r;
                                                              }),
      meeting_writers, true);
  add("CreateActionItem",
      MakeProbe<v1::CreateActionItemRequest, v1::ActionItem>(&Stub::CreateActionItem,
                                                             [](auto team) {
                                                               v1::CreateActionItemRequest r;
                                                               r.set_parent(team);
                                                               return r;
                                                             }),
      {N, N, A, A, A, A, A, N, N, N}, true);
  add("GetActionItem",
      MakeProbe<v1::GetActionItemRequest, v1::ActionItem>(&Stub::GetActionItem,
                                                          [](auto team) {
                                                            v1::GetActionItemRequest r;
                                                            r.set_name(team + "/actionItems/a1");
                                                            return r;
                                                          }),
      team_readers, false);
  add("ListActionItems",
      MakeProbe<v1::ListActionItemsRequest, v1::ListActionItemsResponse>(
          &Stub::ListActionItems,
          [](auto team) {
            v1::ListActionItemsRequest r;
            r.set_parent(team);
            return r;
          }),
      team_readers, false);
  add("UpdateActionItem",
      MakeProbe<v1::UpdateActionItemRequest, v1::ActionItem>(
          &Stub::UpdateActionItem,
          [](auto team) {
            v1::UpdateActionItemRequest r;
            r.mutable_action_item()->set_name(team + "/actionItems/a1");
            r.mutable_update_mask()->add_paths("text");
            return r;
          }),
      {N, N, A, A, P, A, P, N, N, P}, true);
  add("DeleteActionItem",
      MakeProbe<v1::DeleteActionItemRequest, google::protobuf::Empty>(
          &Stub::DeleteActionItem,
          [](auto team) {
            v1::DeleteActionItemRequest r;
            r.set_name(team + "/actionItems/a1");
            return r;
          }),
      {N, N, A, P, P, A, P, N, N, P}, true);
  add("CreateSessionRecord",
      MakeProbe<v1::CreateSessionRecordRequest, v1::SessionRecord>(
          &Stub::CreateSessionRecord,
          [](auto team) {
            v1::CreateSessionRecordRequest r;
            r.set_parent(team);
            return r;
          }),
      {N, N, P, P, P, P, P, N, A, N}, true);
  add("GetSessionRecord",
      MakeProbe<v1::GetSessionRecordRequest, v1::SessionRecord>(&Stub::GetSessionRecord,
                                                                [](auto team) {
                                                                  v1::GetSessionRecordRequest r;
                                                                  r.set_name(team +
                                                                             "/sessionRecords/s1");
                                                                  return r;
                                                                }),
      {N, N, A, A, N, A, N, N, A, N}, false);
  add("ListSessionRecords",
      MakeProbe<v1::ListSessionRecordsRequest, v1::ListSessionRecordsResponse>(
          &Stub::ListSessionRecords,
          [](auto team) {
            v1::ListSessionRecordsRequest r;
            r.set_parent(team);
            return r;
          }),
      {N, N, A, A, A, A, A, N, A, N}, false);
  add("GetCaseLoadReview",
      MakeProbe<v1::GetCaseLoadReviewRequest, v1::CaseLoadReview>(&Stub::GetCaseLoadReview,
                                                                  [](auto team) {
                                                                    v1::GetCaseLoadReviewRequest r;
                                                                    r.set_name(team +
                                                                               "/caseLoadReview");
                                                                    return r;
                                                                  }),
      {N, N, A, A, A, A, A, N, A, N}, false);
  add("ListAuditEntries",
      MakeProbe<v1::ListAuditEntriesRequest, v1::ListAuditEntriesResponse>(
          &Stub::ListAuditEntries,
          [](auto team) {
            v1::ListAuditEntriesRequest r;
            r.set_parent(OrgOf(team));
            return r;
          }),
      {P, A, P, P, P, P, P, P, N, N}, false);
  add("AppendAuditEntries",
      MakeProbe<v1::AppendAuditEntriesRequest, v1::AppendAuditEntriesResponse>(
          &Stub::AppendAuditEntries,
          [](auto team) {
            v1::AppendAuditEntriesRequest r;
            r.set_parent(OrgOf(team));
            return r;
          }),
      {P, P, P, P, P, P, P, P, A, A}, true);
  add("GetRetentionPolicy",
      MakeProbe<v1::GetRetentionPolicyRequest, v1::RetentionPolicy>(
          &Stub::GetRetentionPolicy,
          [](auto team) {
            v1::GetRetentionPolicyRequest r;
            r.set_name(OrgOf(team) + "/retentionPolicy");
            return r;
          }),
      {A, A, P, P, P, P, P, P, A, A}, false);
  add("UpdateRetentionPolicy",
      MakeProbe<v1::UpdateRetentionPolicyRequest, v1::RetentionPolicy>(
          &Stub::UpdateRetentionPolicy,
          [](auto team) {
            v1::UpdateRetentionPolicyRequest r;
            r.mutable_retention_policy()->set_name(OrgOf(team) + "/retentionPolicy");
            r.mutable_update_mask()->add_paths("closed_case_retention");
            return r;
          }),
      {A, P, P, P, P, P, P, P, N, N}, true);
  return rows;
}

const char* Name(Outcome outcome) { return outcome == A ? "A" : outcome == N ? "N" : "P"; }

Outcome OutcomeOf(const grpc::Status& status, bool write) {
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return N;
  if (status.error_code() == grpc::StatusCode::PERMISSION_DENIED) return P;
  const bool allowed =
      write ? status.error_code() == grpc::StatusCode::INVALID_ARGUMENT : status.ok();
  return allowed ? A : N;  // anything else is reported as a mismatch below
}

void ExpectIdentical(const grpc::Status& seen, const grpc::Status& missing,
                     const std::string& where) {
  EXPECT_EQ(seen.error_code(), missing.error_code()) << where;
  EXPECT_EQ(seen.error_message(), missing.error_message()) << where;
  EXPECT_EQ(seen.error_details(), missing.error_details()) << where;
}

class RecordsAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // `full`: organisations o1 and o2, each with every kind of resource. `bare`: only o1's team,
    // nothing in it, and no o2 — the world in which every probed resource is missing.
    full_ = RecordsTestServer::Start();
    bare_ = RecordsTestServer::Start();
    ASSERT_NE(full_, nullptr);
    ASSERT_NE(bare_, nullptr);
    SeedRecordsWorld(full_->stub(), "o1");
    SeedRecordsWorld(full_->stub(), "o2");
    SeedTeam(bare_->stub(), "o1");
  }
  std::unique_ptr<RecordsTestServer> full_;
  std::unique_ptr<RecordsTestServer> bare_;
};

TEST_F(RecordsAccessTest, PermissionMatrixAndInvisibleEqualsMissing) {
  for (const Row& row : Matrix()) {
    ASSERT_EQ(row.expected.size(), Callers().size()) << row.rpc;
    for (size_t i = 0; i < Callers().size(); ++i) {
      const std::string& caller = Callers()[i];
      const std::string token = TokenOf(caller, "o1", "*");
      grpc::Status status = row.probe(full_->stub(), token, "o1");
      const std::string where = absl::StrCat(row.rpc, " by ", caller);
      EXPECT_EQ(Name(OutcomeOf(status, row.write)), std::string(Name(row.expected[i])))
          << where << ": " << status.error_code() << " " << status.error_message();
      if (row.expected[i] == N) {
        ExpectIdentical(status, row.probe(bare_->stub(), token, "o1"), where);
      }
    }
  }
}

TEST_F(RecordsAccessTest, AnotherOrganisationsResourcesAnswerExactlyLikeMissingOnes) {
  int probes = 0;
  for (const Row& row : Matrix()) {
    for (const std::string& caller : Callers()) {
      // Service identities bound to o1 (org "*" tokens act wherever a request points).
      const std::string token = TokenOf(caller, "o1", "o1");
      grpc::Status status = row.probe(full_->stub(), token, "o2");
      const std::string where = absl::StrCat(row.rpc, " by ", caller, " of o1 on o2");
      EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << where;
      ExpectIdentical(status, row.probe(bare_->stub(), token, "o2"), where);
      ++probes;
    }
  }
  EXPECT_EQ(probes, 36 * 10);
}

TEST_F(RecordsAccessTest,
       CaseLoadNamesOnlyForTheSupervisorAndCaseSourcesOnlyForThoseWhoKnowTheCase) {
  const std::string team = "organizations/o1/teams/t1";
  v1::CreateActionItemRequest a;
  a.set_parent(team);
  a.set_action_item_id("from-case");
  a.set_request_id(NewRequestId());
  a.mutable_action_item()->set_owner(kOtherCaseworker);
  a.mutable_action_item()->set_owner_role(v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
  a.mutable_action_item()->set_text("prepare the review");
  a.mutable_action_item()->set_case_(team + "/cases/c1");
  *a.mutable_action_item()->mutable_due_time() = ToProtoTime(absl::Now() + absl::Hours(1));
  v1::ActionItem item;
  // Only someone who knows the case may name it as a source.
  EXPECT_EQ(Call(full_->stub(), &Stub::CreateActionItem, MemberToken(), a, &item).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(Call(full_->stub(), &Stub::CreateActionItem, CaseworkerToken(), a, &item).ok());
  v1::GetActionItemRequest get;
  get.set_name(item.name());
  const std::map<std::string, bool> sees_case = {
      {"supervisor", true}, {"caseworker", true}, {"other caseworker", false}, {"member", false}};
  for (const auto& [caller, sees] : sees_case) {
    ASSERT_TRUE(
        Call(full_->stub(), &Stub::GetActionItem, TokenOf(caller, "o1", "*"), get, &item).ok());
    EXPECT_EQ(item.has_case_(), sees) << caller;
  }
}

// A record its participants did not release (an intervision where one said no) is theirs alone:
// the supervisor finds it exactly as missing, and lists without it.
TEST_F(RecordsAccessTest, AWithheldSessionRecordStaysWithItsParticipants) {
  const std::string team = "organizations/o1/teams/t1";
  v1::CreateSessionRecordRequest create;
  create.set_parent(team);
  create.set_session_record_id("withheld");
  create.set_request_id("withheld");
  v1::SessionRecord& record = *create.mutable_session_record();
  record.set_session(team + "/sessions/withheld");
  record.set_protocol_id("intervision");
  record.set_final_state(v1::SESSION_STATE_ENDED);
  record.set_facilitator(kFacilitator);
  record.add_participants(kFacilitator);
  record.add_participants(kCaseworker);
  record.set_release_rule(v1::RECORD_RELEASE_BY_CONSENT);
  record.set_release_outcome(v1::RELEASE_OUTCOME_WITHHELD);
  *record.mutable_end_time() = ToProtoTime(absl::Now());
  v1::SessionRecord stored;
  ASSERT_TRUE(
      Call(full_->stub(), &Stub::CreateSessionRecord, SessionServiceToken(), create, &stored).ok());
  v1::GetSessionRecordRequest get;
  get.set_name(stored.name());
  for (const std::string& participant : {FacilitatorToken(), CaseworkerToken()}) {
    EXPECT_TRUE(Call(full_->stub(), &Stub::GetSessionRecord, participant, get, &stored).ok());
  }
  grpc::Status supervisor =
      Call(full_->stub(), &Stub::GetSessionRecord, SupervisorToken(), get, &stored);
  EXPECT_EQ(supervisor.error_code(), grpc::StatusCode::NOT_FOUND);
  // `bare_` has the team but no such record.
  ExpectIdentical(supervisor,
                  Call(bare_->stub(), &Stub::GetSessionRecord, SupervisorToken(), get, &stored),
                  "supervisor on a withheld record");
  v1::ListSessionRecordsRequest list;
  list.set_parent(team);
  v1::ListSessionRecordsResponse listed;
  ASSERT_TRUE(
      Call(full_->stub(), &Stub::ListSessionRecords, SupervisorToken(), list, &listed).ok());
  for (const v1::SessionRecord& seen : listed.session_records()) {
    EXPECT_NE(seen.name(), get.name());
  }
  ASSERT_TRUE(
      Call(full_->stub(), &Stub::ListSessionRecords, CaseworkerToken(), list, &listed).ok());
  bool listed_for_participant = false;
  for (const v1::SessionRecord& seen : listed.session_records()) {
    listed_for_participant = listed_for_participant || seen.name() == get.name();
  }
  EXPECT_TRUE(listed_for_participant);
}

}  // namespace
}  // namespace casework::testing
