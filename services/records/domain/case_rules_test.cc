// The helping process: stage moves with entry criteria, closing, stagnation and the review.
#include "services/records/domain/case_rules.h"

#include "gtest/gtest.h"
#include "libs/status/errors.h"
#include "services/records/domain/proto_time.h"

namespace casework::records {
namespace {

using casework::v1::Case;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);

Case OpenCase(int stage, absl::Duration in_stage) {
  Case c;
  c.set_status(casework::v1::CASE_STATUS_OPEN);
  c.set_stage(static_cast<casework::v1::CaseStage>(stage));
  c.set_caseworker("cw-1");
  c.set_risk_level(casework::v1::RISK_LEVEL_MEDIUM);
  *c.mutable_stage_enter_time() = ToProtoTime(kNow - in_stage);
  return c;
}

TEST(CaseRulesTest, ForwardMovesNeedTheNextStagesEntryCriteria) {
  struct Step {
    int from;
    CasePlanFacts facts;
    bool handover;
    std::string missing;  // "" = the move succeeds
  };
  const Step steps[] = {
      {1, {}, false, ""},
      {2, {}, false, ""},
      {3, {}, false, "AGREED_GOAL"},
      {3, {true, false}, false, ""},
      {4, {true, false}, false, "BASELINE"},
      {4, {true, true}, false, ""},
      {5, {true, true}, false, "HANDOVER_NOTE"},
      {5, {true, true}, true, ""},
  };
  for (const Step& step : steps) {
    Case c = OpenCase(step.from, absl::Hours(1));
    if (step.handover) c.set_handover_note("documented");
    absl::Status moved =
        MoveStage(c, casework::v1::STAGE_DIRECTION_FORWARD, "note", "", step.facts, "cw-1", kNow);
    if (step.missing.empty()) {
      ASSERT_TRUE(moved.ok()) << step.from << ": " << moved;
      EXPECT_EQ(c.stage(), step.from + 1);
      ASSERT_EQ(c.stage_history_size(), 1);
      EXPECT_EQ(c.stage_history(0).time_in_previous_stage().seconds(), 3600);
      EXPECT_EQ(c.stage_history(0).actor(), "cw-1");
    } else {
      EXPECT_EQ(ErrorReason(moved), "CASE_STAGE_ENTRY_CRITERIA") << step.from;
      EXPECT_EQ(GetErrorInfo(moved)->metadata().at("missing"), step.missing);
      EXPECT_EQ(c.stage(), step.from);
    }
  }
}

TEST(CaseRulesTest, LimitsBackwardMovesAndClosing) {
  Case first = OpenCase(1, absl::Hours(1));
  EXPECT_EQ(
      ErrorReason(MoveStage(first, casework::v1::STAGE_DIRECTION_BACK, "", "why", {}, "x", kNow)),
      "CASE_STAGE_LIMIT");
  Case last = OpenCase(6, absl::Hours(1));
  EXPECT_EQ(
      ErrorReason(MoveStage(last, casework::v1::STAGE_DIRECTION_FORWARD, "", "", {}, "x", kNow)),
      "CASE_STAGE_LIMIT");
  EXPECT_EQ(ErrorReason(CheckStageMoveArguments(casework::v1::STAGE_DIRECTION_BACK, "")),
            "REASON_REQUIRED");
  ASSERT_TRUE(
      MoveStage(last, casework::v1::STAGE_DIRECTION_BACK, "", "not stable", {}, "x", kNow).ok());
  EXPECT_EQ(last.stage_history(0).reason(), "not stable");

  Case early = OpenCase(3, absl::Hours(1));
  EXPECT_EQ(ErrorReason(CheckCloseArguments(early, "")), "REASON_REQUIRED");
  EXPECT_TRUE(CheckCloseArguments(OpenCase(6, absl::Hours(1)), "").ok());
  ASSERT_TRUE(Close(early, "moved away", kNow).ok());
  EXPECT_EQ(ErrorReason(Close(early, "again", kNow)), "CASE_CLOSED");
  EXPECT_EQ(ErrorReason(CheckOpen(early)), "CASE_CLOSED");
}

TEST(CaseRulesTest, StagnationUsesTheTeamsThresholdOrTheDefault) {
  casework::v1::Team team;
  auto* threshold = team.add_stagnation_thresholds();
  threshold->set_stage(casework::v1::CASE_STAGE_PROBLEM_UNDERSTANDING);
  *threshold->mutable_threshold() = ToProtoDuration(absl::Hours(24 * 3));
  StagnationDefaults defaults;
  EXPECT_TRUE(IsStagnating(OpenCase(2, absl::Hours(24 * 4)), team, kNow, defaults));
  EXPECT_FALSE(IsStagnating(OpenCase(2, absl::Hours(24 * 2)), team, kNow, defaults));
  EXPECT_FALSE(IsStagnating(OpenCase(1, absl::Hours(24 * 7 * 5)), team, kNow, defaults));
  EXPECT_TRUE(IsStagnating(OpenCase(1, absl::Hours(24 * 7 * 7)), team, kNow, defaults));
}

TEST(CaseRulesTest, TheReviewCountsOpenCasesAndOverdueItemsWithZerosIncluded) {
  casework::v1::Team team;
  team.set_name("organizations/o/teams/t");
  auto* member = team.add_members();
  member->set_subject("cw-idle");
  member->add_roles(casework::v1::TEAM_ROLE_CASEWORKER);
  std::vector<Case> cases = {OpenCase(1, absl::Hours(1)), OpenCase(1, absl::Hours(24 * 7 * 10)),
                             OpenCase(4, absl::Hours(1))};
  cases[2].set_risk_level(casework::v1::RISK_LEVEL_HIGH);
  cases[2].add_complexity_flags(casework::v1::COMPLEXITY_FLAG_MULTI_AGENCY);
  casework::v1::ActionItem overdue;
  overdue.set_state(casework::v1::ACTION_ITEM_STATE_OPEN);
  overdue.set_owner_role(casework::v1::ACTION_ITEM_OWNER_ROLE_SUPERVISOR);
  *overdue.mutable_due_time() = ToProtoTime(kNow - absl::Hours(1));
  casework::v1::CaseLoadReview review =
      ComputeCaseLoadReview(team, cases, {overdue}, kNow, StagnationDefaults());
  EXPECT_EQ(review.name(), "organizations/o/teams/t/caseLoadReview");
  EXPECT_EQ(review.open_cases(), 3);
  EXPECT_EQ(review.high_risk_cases(), 1);
  EXPECT_EQ(review.complex_cases(), 1);
  EXPECT_EQ(review.stagnating_cases(), 1);
  ASSERT_EQ(review.by_risk_level_size(), 3);
  EXPECT_EQ(review.by_risk_level(1).open_cases(), 2);
  ASSERT_EQ(review.by_stage_size(), 6);
  EXPECT_EQ(review.by_stage(0).open_cases(), 2);
  EXPECT_EQ(review.by_stage(0).stagnating_cases(), 1);
  EXPECT_EQ(review.by_stage(5).open_cases(), 0);
  EXPECT_EQ(review.by_complexity_flag_size(), 5);
  ASSERT_EQ(review.overdue_action_items_size(), 2);
  EXPECT_EQ(review.overdue_action_items(0).overdue_action_items(), 1);
  ASSERT_EQ(review.caseworker_loads_size(), 2);
  EXPECT_EQ(review.caseworker_loads(0).open_cases(), 3);
  EXPECT_EQ(review.caseworker_loads(1).caseworker(), "cw-idle");
  EXPECT_EQ(review.caseworker_loads(1).open_cases(), 0);
}

}  // namespace
}  // namespace casework::records
