// Every RecordsService RPC over a real channel and a real SQLite file: the happy paths, pagination
// to the end, update masks, etags, idempotent retries, the helping-process rules, the case-load
// review and the audit log.
#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "libs/records_client/audit_bounds.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"
#include "services/records/domain/proto_time.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::RecordsService;
using records::ToProtoTime;

constexpr char kTeam[] = "organizations/o1/teams/t1";

class RecordsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = RecordsTestServer::Start();
    ASSERT_NE(server_, nullptr);
    team_ = SeedTeam(stub(), "o1");
  }
  RecordsService::Stub& stub() { return server_->stub(); }

  std::unique_ptr<RecordsTestServer> server_;
  casework::v1::Team team_;
};

TEST_F(RecordsApiTest, TeamsAreCreatedReadListedAndUpdatedWithEtagsAndMasks) {
  EXPECT_EQ(team_.name(), kTeam);
  EXPECT_FALSE(team_.etag().empty());
  EXPECT_TRUE(team_.members(0).has_join_time());

  casework::v1::GetTeamRequest get;
  get.set_name(kTeam);
  casework::v1::Team read;
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::GetTeam, MemberToken(), get, &read).ok());
  EXPECT_EQ(read.etag(), team_.etag());

  // The supervisor may change the cadence; a stale etag is refused; the mask leaves the rest.
  casework::v1::UpdateTeamRequest update;
  update.set_request_id(NewRequestId());
  update.mutable_team()->set_name(kTeam);
  update.mutable_team()->set_etag(team_.etag());
  update.mutable_team()->set_display_name("ignored: not in the mask");
  auto* cadence = update.mutable_team()->mutable_meeting_cadence();
  cadence->set_interval_weeks(2);
  cadence->set_weekday(casework::v1::WEEKDAY_TUESDAY);
  cadence->mutable_start_time()->set_hours(9);
  cadence->mutable_duration()->set_seconds(3600);
  cadence->set_time_zone("Europe/Amsterdam");
  *cadence->mutable_anchor_time() = ToProtoTime(absl::Now());
  update.mutable_update_mask()->add_paths("meeting_cadence");
  casework::v1::Team updated;
  grpc::Status status =
      Call(stub(), &RecordsService::Stub::UpdateTeam, SupervisorToken(), update, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.display_name(), team_.display_name());
  EXPECT_EQ(updated.meeting_cadence().interval_weeks(), 2);
  EXPECT_NE(updated.etag(), team_.etag());

  update.set_request_id(NewRequestId());  // same stale etag
  status = Call(stub(), &RecordsService::Stub::UpdateTeam, SupervisorToken(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Reason(status), "ETAG_MISMATCH");

  // Output-only fields cannot be in a mask; the supervisor cannot rename the team.
  update.mutable_team()->set_etag(updated.etag());
  update.mutable_update_mask()->set_paths(0, "create_time");
  status = Call(stub(), &RecordsService::Stub::UpdateTeam, AdminToken(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  update.mutable_update_mask()->set_paths(0, "display_name");
  status = Call(stub(), &RecordsService::Stub::UpdateTeam, SupervisorToken(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  casework::v1::ListTeamsRequest list;
  list.set_parent("organizations/o1");
  casework::v1::ListTeamsResponse teams;
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::ListTeams, AuditorToken(), list, &teams).ok());
  ASSERT_EQ(teams.teams_size(), 1);
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::ListTeams, OutsiderToken(), list, &teams).ok());
  EXPECT_EQ(teams.teams_size(), 0);
}

TEST_F(RecordsApiTest, IdempotentRetriesReturnTheOriginalAndReusedIdsAreRefused) {
  casework::v1::CreateCaseRequest request;
  request.set_parent(kTeam);
  request.set_request_id("retry-1");
  request.mutable_case_()->set_reference("CP-2024-0001");
  request.mutable_case_()->set_risk_level(casework::v1::RISK_LEVEL_HIGH);
  request.mutable_case_()->set_caseworker(kCaseworker);
  casework::v1::Case first, second;
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::CreateCase, CaseworkerToken(), request, &first).ok());
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::CreateCase, CaseworkerToken(), request, &second).ok());
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());

  request.mutable_case_()->set_risk_level(casework::v1::RISK_LEVEL_LOW);
  grpc::Status status =
      Call(stub(), &RecordsService::Stub::CreateCase, CaseworkerToken(), request, &second);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Reason(status), "REQUEST_ID_REUSED");

  // Another caller's id space is separate: the same id is a new request (here: a duplicate
  // reference of an open case).
  status = Call(stub(), &RecordsService::Stub::CreateCase, SupervisorToken(), request, &second);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(RecordsApiTest, CasesMoveThroughTheSixStagesOnlyWithTheirEntryCriteria) {
  casework::v1::Case record = SeedCase(stub(), "o1", "CP-1");
  EXPECT_EQ(record.stage(), casework::v1::CASE_STAGE_HELPING_RELATIONSHIP);
  ASSERT_EQ(record.stage_history_size(), 1);
  const std::string token = CaseworkerToken();

  auto advance = [&](casework::v1::StageDirection direction, const std::string& reason) {
    casework::v1::AdvanceCaseStageRequest request;
    request.set_name(record.name());
    request.set_direction(direction);
    request.set_reason(reason);
    request.set_note("progress noted");
    request.set_etag(record.etag());
    request.set_request_id(NewRequestId());
    casework::v1::Case moved;
    grpc::Status status =
        Call(stub(), &RecordsService::Stub::AdvanceCaseStage, token, request, &moved);
    if (status.ok()) record = moved;
    return status;
  };
  ASSERT_TRUE(advance(casework::v1::STAGE_DIRECTION_FORWARD, "").ok());
  ASSERT_TRUE(advance(casework::v1::STAGE_DIRECTION_FORWARD, "").ok());
  EXPECT_EQ(record.stage(), casework::v1::CASE_STAGE_CHANGE_GOALS);

  grpc::Status status = advance(casework::v1::STAGE_DIRECTION_BACK, "");
  EXPECT_EQ(Reason(status), "REASON_REQUIRED");
  status = advance(casework::v1::STAGE_DIRECTION_FORWARD, "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Reason(status), "CASE_STAGE_ENTRY_CRITERIA");

  // Stage 4 needs a goal agreed with the client.
  casework::v1::CreateGoalRequest goal;
  goal.set_parent(record.name());
  goal.set_request_id(NewRequestId());
  goal.mutable_goal()->set_description("Regular school attendance");
  goal.mutable_goal()->set_client_words("I want to go to school again");
  goal.mutable_goal()->set_agreed_with_client(true);
  *goal.mutable_goal()->mutable_agree_time() = ToProtoTime(absl::Now());
  casework::v1::Goal created_goal;
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::CreateGoal, token, goal, &created_goal).ok());
  EXPECT_EQ(created_goal.status(), casework::v1::GOAL_STATUS_ACTIVE);
  ASSERT_TRUE(advance(casework::v1::STAGE_DIRECTION_FORWARD, "").ok());
  EXPECT_EQ(record.stage(), casework::v1::CASE_STAGE_PLANNING_ACTION);

  // Stage 5 needs an indicator with a baseline.
  EXPECT_EQ(Reason(advance(casework::v1::STAGE_DIRECTION_FORWARD, "")),
            "CASE_STAGE_ENTRY_CRITERIA");
  casework::v1::CreateBenefitIndicatorRequest indicator;
  indicator.set_parent(record.name());
  indicator.set_request_id(NewRequestId());
  indicator.mutable_benefit_indicator()->set_description("school days attended per week");
  indicator.mutable_benefit_indicator()->set_unit("days/week");
  indicator.mutable_benefit_indicator()->set_goal(created_goal.name());
  casework::v1::BenefitIndicator created_indicator;
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::CreateBenefitIndicator, token, indicator,
                   &created_indicator)
                  .ok());
  casework::v1::RecordMeasurementRequest measure;
  measure.set_name(created_indicator.name());
  measure.set_request_id(NewRequestId());
  measure.set_baseline(true);
  measure.mutable_measurement()->set_value(1);
  *measure.mutable_measurement()->mutable_measure_time() = ToProtoTime(absl::Now());
  casework::v1::BenefitIndicator measured;
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::RecordMeasurement, token, measure, &measured).ok());
  measure.set_request_id(NewRequestId());
  status = Call(stub(), &RecordsService::Stub::RecordMeasurement, token, measure, &measured);
  EXPECT_EQ(Reason(status), "BASELINE_ALREADY_SET");
  measure.set_request_id(NewRequestId());
  measure.set_baseline(false);
  measure.mutable_measurement()->set_value(3);
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::RecordMeasurement, token, measure, &measured).ok());
  EXPECT_EQ(measured.measurements_size(), 1);
  EXPECT_EQ(measured.baseline().recorded_by(), kCaseworker);
  ASSERT_TRUE(advance(casework::v1::STAGE_DIRECTION_FORWARD, "").ok());

  // Stage 6 needs a handover note; closing outside 6 needs a reason.
  EXPECT_EQ(Reason(advance(casework::v1::STAGE_DIRECTION_FORWARD, "")),
            "CASE_STAGE_ENTRY_CRITERIA");
  casework::v1::UpdateCaseRequest note;
  *note.mutable_case_() = record;
  note.mutable_case_()->set_handover_note("Journey documented; attendance stable.");
  note.mutable_update_mask()->add_paths("handover_note");
  note.set_request_id(NewRequestId());
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::UpdateCase, token, note, &record).ok());
  ASSERT_TRUE(advance(casework::v1::STAGE_DIRECTION_FORWARD, "").ok());
  EXPECT_EQ(record.stage(), casework::v1::CASE_STAGE_WITHDRAWAL);
  EXPECT_EQ(Reason(advance(casework::v1::STAGE_DIRECTION_FORWARD, "")), "CASE_STAGE_LIMIT");
  ASSERT_TRUE(advance(casework::v1::STAGE_DIRECTION_BACK, "consolidation not yet stable").ok());
  EXPECT_EQ(record.stage_history().rbegin()->reason(), "consolidation not yet stable");

  casework::v1::CloseCaseRequest close;
  close.set_name(record.name());
  close.set_etag(record.etag());
  close.set_request_id(NewRequestId());
  status = Call(stub(), &RecordsService::Stub::CloseCase, token, close, &record);
  EXPECT_EQ(Reason(status), "REASON_REQUIRED");
  close.set_close_reason("client moved away");
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::CloseCase, token, close, &record).ok());
  EXPECT_EQ(record.status(), casework::v1::CASE_STATUS_CLOSED);
  EXPECT_EQ(record.stage_history_size(), 7);
  close.set_request_id(NewRequestId());
  close.set_etag(record.etag());
  status = Call(stub(), &RecordsService::Stub::CloseCase, token, close, &record);
  EXPECT_EQ(Reason(status), "CASE_CLOSED");

  casework::v1::ListGoalsRequest goals;
  goals.set_parent(record.name());
  casework::v1::ListGoalsResponse goal_list;
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::ListGoals, token, goals, &goal_list).ok());
  EXPECT_EQ(goal_list.goals_size(), 1);
  casework::v1::ListBenefitIndicatorsRequest indicators;
  indicators.set_parent(record.name());
  casework::v1::ListBenefitIndicatorsResponse indicator_list;
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::ListBenefitIndicators, token, indicators, &indicator_list)
          .ok());
  EXPECT_EQ(indicator_list.benefit_indicators_size(), 1);
  casework::v1::GetGoalRequest get_goal;
  get_goal.set_name(created_goal.name());
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::GetGoal, token, get_goal, &created_goal).ok());
  casework::v1::UpdateGoalRequest update_goal;
  *update_goal.mutable_goal() = created_goal;
  update_goal.mutable_goal()->set_review_note("still relevant");
  update_goal.mutable_update_mask()->add_paths("review_note");
  update_goal.set_request_id(NewRequestId());
  status = Call(stub(), &RecordsService::Stub::UpdateGoal, token, update_goal, &created_goal);
  EXPECT_EQ(Reason(status), "CASE_CLOSED");  // closed cases are read-only
  casework::v1::GetBenefitIndicatorRequest get_indicator;
  get_indicator.set_name(created_indicator.name());
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::GetBenefitIndicator, token, get_indicator,
                   &created_indicator)
                  .ok());
  EXPECT_EQ(created_indicator.measurements_size(), 1);
}

TEST_F(RecordsApiTest, ListsPageToTheEndWithSignedTokensBoundToTheRequest) {
  for (int i = 0; i < 23; ++i) SeedCase(stub(), "o1", absl::StrCat("REF-", i));
  SeedCase(stub(), "o1", "REF-OTHER", kOtherCaseworker);
  casework::v1::ListCasesRequest request;
  request.set_parent(kTeam);
  request.set_page_size(5);
  std::set<std::string> seen;
  int pages = 0;
  std::string last_token;
  do {
    casework::v1::ListCasesResponse response;
    grpc::Status status =
        Call(stub(), &RecordsService::Stub::ListCases, CaseworkerToken(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& c : response.cases()) {
      EXPECT_EQ(c.caseworker(), kCaseworker);  // a caseworker sees only their own cases
      EXPECT_TRUE(seen.insert(c.name()).second) << "listed twice: " << c.name();
    }
    ++pages;
    last_token = request.page_token();
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(seen.size(), 23u);
  EXPECT_EQ(pages, 5);

  // The supervisor sees all; a filter narrows; a tampered or rebound token is refused.
  request.set_page_token("");
  request.set_page_size(100);
  request.set_filter("caseworker = \"cw-2\" AND status = OPEN");
  casework::v1::ListCasesResponse filtered;
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::ListCases, SupervisorToken(), request, &filtered).ok());
  EXPECT_EQ(filtered.cases_size(), 1);
  request.set_filter("");
  request.set_page_size(5);
  casework::v1::ListCasesResponse first;
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::ListCases, SupervisorToken(), request, &first).ok());
  std::string tampered = first.next_page_token();
  tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
  request.set_page_token(tampered);
  grpc::Status status =
      Call(stub(), &RecordsService::Stub::ListCases, SupervisorToken(), request, &first);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_page_token(last_token.empty() ? first.next_page_token() : last_token);
  request.set_filter("status = OPEN");
  status = Call(stub(), &RecordsService::Stub::ListCases, SupervisorToken(), request, &first);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_filter("name = \"x\"");
  request.set_page_token("");
  status = Call(stub(), &RecordsService::Stub::ListCases, SupervisorToken(), request, &first);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RecordsApiTest, IdentifyingInformationIsRefusedWithoutEchoingIt) {
  casework::v1::Case record = SeedCase(stub(), "o1", "CP-9");
  casework::v1::UpdateCaseRequest request;
  *request.mutable_case_() = record;
  request.mutable_case_()->set_handover_note("Mother reachable at jane.doe@example.org");
  request.mutable_update_mask()->add_paths("handover_note");
  request.set_request_id(NewRequestId());
  casework::v1::Case updated;
  grpc::Status status =
      Call(stub(), &RecordsService::Stub::UpdateCase, CaseworkerToken(), request, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Reason(status), "IDENTIFYING_INFORMATION");
  EXPECT_EQ(status.error_message().find("jane.doe"), std::string::npos);
}

TEST_F(RecordsApiTest, MeetingsActionItemsAndTheCaseLoadReview) {
  SeedCase(stub(), "o1", "CP-A");
  casework::v1::Case high = SeedCase(stub(), "o1", "CP-B", kOtherCaseworker);
  casework::v1::UpdateCaseRequest risk;
  *risk.mutable_case_() = high;
  risk.mutable_case_()->set_risk_level(casework::v1::RISK_LEVEL_HIGH);
  risk.mutable_case_()->add_complexity_flags(
      casework::v1::COMPLEXITY_FLAG_COMPLEX_PROTECTION_ISSUE);
  risk.mutable_update_mask()->add_paths("risk_level");
  risk.mutable_update_mask()->add_paths("complexity_flags");
  risk.set_request_id(NewRequestId());
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::UpdateCase, SupervisorToken(), risk, &high).ok());

  casework::v1::CreateMeetingRequest create;
  create.set_parent(kTeam);
  create.set_meeting_id("m1");
  create.set_request_id(NewRequestId());
  create.mutable_meeting()->set_kind(casework::v1::MEETING_KIND_REGULAR);
  *create.mutable_meeting()->mutable_scheduled_time() = ToProtoTime(absl::Now());
  casework::v1::Meeting meeting;
  grpc::Status status =
      Call(stub(), &RecordsService::Stub::CreateMeeting, CaseworkerToken(), create, &meeting);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::CreateMeeting, SupervisorToken(), create, &meeting).ok());
  EXPECT_EQ(meeting.state(), casework::v1::MEETING_STATE_SCHEDULED);
  EXPECT_EQ(meeting.planned_duration().seconds(), 3600);

  casework::v1::UpdateMeetingRequest update;
  *update.mutable_meeting() = meeting;
  auto* check_in = update.mutable_meeting()->add_check_ins();
  check_in->set_caseworker(kCaseworker);
  check_in->set_success("a family re-engaged");
  check_in->set_challenge("waiting lists");
  auto* section = update.mutable_meeting()->add_sections();
  section->set_section(casework::v1::AGENDA_SECTION_ADMINISTRATIVE);
  section->set_notes("recruitment update");
  update.mutable_meeting()->set_state(casework::v1::MEETING_STATE_HELD);
  update.mutable_update_mask()->add_paths("check_ins");
  update.mutable_update_mask()->add_paths("sections");
  update.mutable_update_mask()->add_paths("state");
  update.set_request_id(NewRequestId());
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::UpdateMeeting, SupervisorToken(), update, &meeting).ok());
  EXPECT_EQ(meeting.check_ins_size(), 1);

  casework::v1::AttachCaseLoadReviewRequest attach;
  attach.set_name(meeting.name());
  attach.set_etag(meeting.etag());
  attach.set_request_id(NewRequestId());
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::AttachCaseLoadReview, SupervisorToken(), attach, &meeting)
          .ok());
  EXPECT_EQ(meeting.case_load_review().open_cases(), 2);
  for (const auto& load : meeting.case_load_review().caseworker_loads()) {
    EXPECT_TRUE(load.caseworker().empty()) << "stored snapshots are anonymous";
  }

  // Action items: overdue after their due time (the fake clock moves), filtered by owner.
  casework::v1::CreateActionItemRequest item;
  item.set_parent(kTeam);
  item.set_request_id(NewRequestId());
  item.mutable_action_item()->set_owner(kCaseworker);
  item.mutable_action_item()->set_owner_role(casework::v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
  item.mutable_action_item()->set_text("Follow up with school");
  *item.mutable_action_item()->mutable_due_time() =
      ToProtoTime(server_->clock().Now() + absl::Hours(24));
  item.mutable_action_item()->set_meeting(meeting.name());
  casework::v1::ActionItem created;
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::CreateActionItem, MemberToken(), item, &created).ok());
  EXPECT_EQ(created.creator(), kMember);
  EXPECT_FALSE(created.overdue());
  item.set_request_id(NewRequestId());
  item.mutable_action_item()->set_owner(kMember);  // not a caseworker
  status = Call(stub(), &RecordsService::Stub::CreateActionItem, MemberToken(), item, &created);
  EXPECT_EQ(Reason(status), "NOT_A_TEAM_MEMBER");

  server_->clock().Advance(absl::Hours(48));
  casework::v1::ListActionItemsRequest list;
  list.set_parent("organizations/o1/teams/-");
  list.set_filter("owner = \"cw-1\" AND overdue = true");
  casework::v1::ListActionItemsResponse items;
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::ListActionItems, CaseworkerToken(), list, &items).ok());
  ASSERT_EQ(items.action_items_size(), 1);
  EXPECT_TRUE(items.action_items(0).overdue());

  casework::v1::GetCaseLoadReviewRequest review_request;
  review_request.set_name(absl::StrCat(kTeam, "/caseLoadReview"));
  casework::v1::CaseLoadReview review;
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::GetCaseLoadReview, SupervisorToken(),
                   review_request, &review)
                  .ok());
  EXPECT_EQ(review.open_cases(), 2);
  EXPECT_EQ(review.high_risk_cases(), 1);
  EXPECT_EQ(review.complex_cases(), 1);
  EXPECT_EQ(review.by_stage_size(), 6);
  EXPECT_EQ(review.overdue_action_items(1).overdue_action_items(), 1);
  ASSERT_GE(review.caseworker_loads_size(), 2);
  EXPECT_FALSE(review.caseworker_loads(0).caseworker().empty());  // the supervisor sees names
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::GetCaseLoadReview, MemberToken(), review_request, &review)
          .ok());
  for (const auto& load : review.caseworker_loads()) EXPECT_TRUE(load.caseworker().empty());

  // Stagnation: 7 weeks in stage 1 exceeds the default 6.
  server_->clock().Advance(absl::Hours(24 * 7 * 7));
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::GetCaseLoadReview, SupervisorToken(),
                   review_request, &review)
                  .ok());
  EXPECT_EQ(review.stagnating_cases(), 2);

  // Update with DONE records completion; delete needs the etag and the creator or supervisor.
  casework::v1::GetActionItemRequest get;
  get.set_name(items.action_items(0).name());
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::GetActionItem, CaseworkerToken(), get, &created).ok());
  casework::v1::UpdateActionItemRequest done;
  *done.mutable_action_item() = created;
  done.mutable_action_item()->set_state(casework::v1::ACTION_ITEM_STATE_DONE);
  done.mutable_update_mask()->add_paths("state");
  done.set_request_id(NewRequestId());
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::UpdateActionItem, CaseworkerToken(), done, &created)
          .ok());
  EXPECT_TRUE(created.has_complete_time());
  casework::v1::DeleteActionItemRequest remove;
  remove.set_name(created.name());
  remove.set_etag(created.etag());
  remove.set_request_id(NewRequestId());
  google::protobuf::Empty empty;
  status = Call(stub(), &RecordsService::Stub::DeleteActionItem, CaseworkerToken(), remove, &empty);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);  // not the creator
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::DeleteActionItem, MemberToken(), remove, &empty).ok());
  ASSERT_TRUE(  // a retry of the delete answers the original response
      Call(stub(), &RecordsService::Stub::DeleteActionItem, MemberToken(), remove, &empty).ok());
  status = Call(stub(), &RecordsService::Stub::GetActionItem, MemberToken(), get, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);

  casework::v1::ListMeetingsRequest meetings;
  meetings.set_parent(kTeam);
  casework::v1::ListMeetingsResponse meeting_list;
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::ListMeetings, NotificationServiceToken(),
                   meetings, &meeting_list)
                  .ok());
  ASSERT_EQ(meeting_list.meetings_size(), 1);
  // The notification service finds the meeting record of a due time exactly like this.
  const std::string at =
      google::protobuf::util::TimeUtil::ToString(meeting_list.meetings(0).scheduled_time());
  meetings.set_page_size(1);
  meetings.set_filter(absl::StrCat("scheduled_time = \"", at, "\""));
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::ListMeetings, NotificationServiceToken(),
                   meetings, &meeting_list)
                  .ok());
  EXPECT_EQ(meeting_list.meetings_size(), 1);
  meetings.set_filter("scheduled_time = \"2001-01-01T09:00:00Z\"");
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::ListMeetings, NotificationServiceToken(),
                   meetings, &meeting_list)
                  .ok());
  EXPECT_EQ(meeting_list.meetings_size(), 0);
}

TEST_F(RecordsApiTest, SessionRecordsAreWrittenOnceByTheSessionServiceAndReadNewestFirst) {
  casework::v1::CreateMeetingRequest meeting_request;
  meeting_request.set_parent(kTeam);
  meeting_request.set_meeting_id("m2");
  meeting_request.set_request_id(NewRequestId());
  meeting_request.mutable_meeting()->set_kind(casework::v1::MEETING_KIND_REGULAR);
  *meeting_request.mutable_meeting()->mutable_scheduled_time() = ToProtoTime(absl::Now());
  casework::v1::Meeting meeting;
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::CreateMeeting, SupervisorToken(), meeting_request,
                   &meeting)
                  .ok());
  auto record_request = [&](const std::string& id, const std::string& protocol, int minutes) {
    casework::v1::CreateSessionRecordRequest request;
    request.set_parent(kTeam);
    request.set_session_record_id(id);
    request.set_request_id(id);
    auto* record = request.mutable_session_record();
    record->set_session(absl::StrCat(kTeam, "/sessions/", id));
    record->set_protocol_id(protocol);
    record->set_final_state(casework::v1::SESSION_STATE_ENDED);
    record->set_facilitator(kFacilitator);
    record->set_case_owner(kCaseworker);
    record->add_participants(kFacilitator);
    record->add_participants(kCaseworker);
    *record->mutable_end_time() = ToProtoTime(absl::Now() + absl::Minutes(minutes));
    return request;
  };
  casework::v1::CreateSessionRecordRequest first = record_request("s1", "intervision", 1);
  auto* action = first.mutable_session_record()->add_action_items();
  action->mutable_contribution()->set_text("Call the school");
  action->set_owner(kCaseworker);
  action->set_owner_role(casework::v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
  *action->mutable_due_time() = ToProtoTime(absl::Now() + absl::Hours(72));
  first.mutable_session_record()->set_meeting(meeting.name());
  auto* check_in = first.mutable_session_record()->add_check_ins();
  check_in->set_caseworker(kCaseworker);
  check_in->set_success("s");
  check_in->set_challenge("c");
  casework::v1::SessionRecord stored, again;
  grpc::Status status =
      Call(stub(), &RecordsService::Stub::CreateSessionRecord, SupervisorToken(), first, &stored);
  EXPECT_EQ(Reason(status), "SERVICE_IDENTITY_REQUIRED");
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::CreateSessionRecord, SessionServiceToken(), first,
                   &stored)
                  .ok());
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::CreateSessionRecord, SessionServiceToken(), first, &again)
          .ok());  // the outbox's retry
  EXPECT_EQ(stored.SerializeAsString(), again.SerializeAsString());
  ASSERT_EQ(stored.action_items_size(), 1);
  EXPECT_FALSE(stored.action_items(0).action_item().empty());
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::CreateSessionRecord, SessionServiceToken(),
                   record_request("s2", "balint-consultation", 2), &stored)
                  .ok());
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::CreateSessionRecord, SessionServiceToken(),
                   record_request("s3", "intervision", 3), &stored)
                  .ok());

  casework::v1::GetMeetingRequest get_meeting;
  get_meeting.set_name(meeting.name());
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::GetMeeting, MemberToken(), get_meeting, &meeting).ok());
  EXPECT_EQ(meeting.state(), casework::v1::MEETING_STATE_HELD);
  EXPECT_EQ(meeting.check_ins_size(), 1);

  // The session's item cannot be deleted; the record is readable by participants only.
  casework::v1::GetActionItemRequest get_item;
  get_item.set_name(absl::StrCat(kTeam, "/actionItems/s1-1"));
  casework::v1::ActionItem item;
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::GetActionItem, CaseworkerToken(), get_item, &item).ok());
  casework::v1::DeleteActionItemRequest remove;
  remove.set_name(item.name());
  remove.set_etag(item.etag());
  remove.set_request_id(NewRequestId());
  google::protobuf::Empty empty;
  status = Call(stub(), &RecordsService::Stub::DeleteActionItem, SupervisorToken(), remove, &empty);
  EXPECT_EQ(Reason(status), "ACTION_ITEM_FROM_SESSION");

  casework::v1::ListSessionRecordsRequest list;
  list.set_parent(kTeam);
  list.set_filter("protocol_id = \"intervision\"");
  casework::v1::ListSessionRecordsResponse records;
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::ListSessionRecords, SessionServiceToken("o1"),
                   list, &records)
                  .ok());
  ASSERT_EQ(records.session_records_size(), 2);
  EXPECT_EQ(records.session_records(0).name(), absl::StrCat(kTeam, "/sessionRecords/s3"));
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::ListSessionRecords, MemberToken(), list, &records).ok());
  EXPECT_EQ(records.session_records_size(), 0);  // not a participant
  casework::v1::GetSessionRecordRequest get;
  get.set_name(absl::StrCat(kTeam, "/sessionRecords/s1"));
  EXPECT_TRUE(
      Call(stub(), &RecordsService::Stub::GetSessionRecord, CaseworkerToken(), get, &stored).ok());
  EXPECT_EQ(Call(stub(), &RecordsService::Stub::GetSessionRecord, MemberToken(), get, &stored)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(RecordsApiTest, EveryCallIsAuditedAndOnlyAuditorsReadTheLog) {
  casework::v1::GetCaseRequest probe;
  probe.set_name(absl::StrCat(kTeam, "/cases/nope"));
  casework::v1::Case ignored;
  (void)Call(stub(), &RecordsService::Stub::GetCase, MemberToken(), probe, &ignored);

  casework::v1::AppendAuditEntriesRequest append;
  append.set_parent("organizations/o1");
  append.set_request_id(NewRequestId());
  auto* entry = append.add_audit_entries();
  entry->set_actor("u-9");
  entry->set_organization("o1");
  entry->set_method("/casework.v1.SessionService/GetSession");
  entry->set_outcome(google::rpc::OK);
  *entry->mutable_finish_time() = ToProtoTime(absl::Now());
  casework::v1::AppendAuditEntriesResponse appended;
  ASSERT_TRUE(Call(stub(), &RecordsService::Stub::AppendAuditEntries, SessionServiceToken(), append,
                   &appended)
                  .ok());
  EXPECT_EQ(appended.appended(), 1);

  casework::v1::ListAuditEntriesRequest list;
  list.set_parent("organizations/o1");
  casework::v1::ListAuditEntriesResponse entries;
  grpc::Status status =
      Call(stub(), &RecordsService::Stub::ListAuditEntries, SupervisorToken(), list, &entries);
  EXPECT_EQ(Reason(status), "ROLE_REQUIRED");
  list.set_filter("outcome = NOT_FOUND");
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::ListAuditEntries, AuditorToken(), list, &entries).ok());
  ASSERT_EQ(entries.audit_entries_size(), 1);
  EXPECT_EQ(entries.audit_entries(0).actor(), kMember);
  EXPECT_EQ(entries.audit_entries(0).reason(), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(entries.audit_entries(0).method(), "/casework.v1.RecordsService/GetCase");

  // Newest first, paged to the end: the team creation, the probe, the appended entry, the denied
  // list, the filtered list — one per call.
  list.set_filter("");
  list.set_page_size(2);
  int total = 0;
  do {
    ASSERT_TRUE(
        Call(stub(), &RecordsService::Stub::ListAuditEntries, AuditorToken(), list, &entries).ok());
    total += entries.audit_entries_size();
    list.set_page_token(entries.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_GE(total, 6);
}

// AppendAuditEntries holds each entry to the audit bounds the shippers cut to
// (libs/records_client/audit_bounds.h): one byte over any of them is refused, naming the field, and
// nothing of the request is stored.
TEST_F(RecordsApiTest, AuditEntriesOverTheirBoundsAreRefusedAndNothingIsStored) {
  const std::vector<std::pair<std::string, size_t>> bounds = {{"actor", kAuditActorMax},
                                                              {"method", kAuditMethodMax},
                                                              {"resource", kAuditResourceMax},
                                                              {"reason", kAuditReasonMax},
                                                              {"request_id", kAuditRequestIdMax}};
  for (size_t over = 0; over < bounds.size(); ++over) {
    casework::v1::AppendAuditEntriesRequest append;
    append.set_parent("organizations/o1");
    append.set_request_id(NewRequestId());
    for (int i = 0; i < 2; ++i) {  // a good entry, then the one over a bound
      auto* entry = append.add_audit_entries();
      entry->set_actor("u-9");
      entry->set_organization("o1");
      entry->set_method("/casework.v1.SessionService/GetSession");
      entry->set_outcome(google::rpc::OK);
      *entry->mutable_finish_time() = ToProtoTime(absl::Now());
      if (i == 0) continue;
      const std::string value(bounds[over].second + 1, 'a');
      const std::string& field = bounds[over].first;
      if (field == "actor") entry->set_actor(value);
      if (field == "method") entry->set_method(value);
      if (field == "resource") entry->set_resource(value);
      if (field == "reason") entry->set_reason(value);
      if (field == "request_id") entry->set_request_id(value);
    }
    casework::v1::AppendAuditEntriesResponse appended;
    const grpc::Status status = Call(stub(), &RecordsService::Stub::AppendAuditEntries,
                                     SessionServiceToken(), append, &appended);
    ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bounds[over].first;
    std::optional<google::rpc::BadRequest> bad = GetBadRequest(FromGrpcStatus(status));
    ASSERT_TRUE(bad.has_value());
    ASSERT_EQ(bad->field_violations_size(), 1) << status.error_message();
    EXPECT_EQ(bad->field_violations(0).field(),
              absl::StrCat("audit_entries[1].", bounds[over].first));
    EXPECT_TRUE(absl::StrContains(bad->field_violations(0).description(),
                                  absl::StrCat(bounds[over].second)))
        << bad->field_violations(0).description();
  }
  casework::v1::ListAuditEntriesRequest list;
  list.set_parent("organizations/o1");
  list.set_filter("method = \"/casework.v1.SessionService/GetSession\"");
  casework::v1::ListAuditEntriesResponse entries;
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::ListAuditEntries, AuditorToken(), list, &entries).ok());
  EXPECT_EQ(entries.audit_entries_size(), 0);
}

}  // namespace
}  // namespace casework::testing
