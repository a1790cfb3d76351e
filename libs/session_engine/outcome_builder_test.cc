// The outcome record of finished sessions: what leaves the session and what stays in it.
#include "libs/session_engine/outcome_builder.h"

#include "gtest/gtest.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/session_engine/time_util.h"

namespace casework::session::testing {
namespace {

TEST(OutcomeBuilder, OnlyForFinishedSessions) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  EXPECT_REFUSED(BuildSessionRecord(h.state()).status(), kFailedPrecondition,
                 "SESSION_STATE_INVALID");
}

TEST(OutcomeBuilder, BalintRecordHoldsQuestionsHypothesesIdeasAndReactions) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "case_description"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "How can I rebuild contact?"));
  const std::string q1 = h.LastContribution();
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "What should I stop doing?"));
  const std::string q2 = h.LastContribution();
  ASSERT_OK(h.Advance("f", "case_description"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "zq-stays-in-session"));
  ASSERT_OK(h.Advance("f", "questions"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, "They feel judged"));
  const std::string answered = h.LastContribution();
  ASSERT_OK(h.Add("m2", v1::CONTRIBUTION_KIND_HYPOTHESIS, "Money worries"));
  ASSERT_OK(h.Advance("f", "hypotheses"));
  ASSERT_OK(h.Respond("o", answered, v1::HYPOTHESIS_RESPONSE_AGREE));
  h.AdvanceClock(absl::Minutes(6));
  ASSERT_OK(h.Advance("f", "feedback", "time is up"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_IDEA, "Home visit", {q1}));
  ASSERT_OK(h.Add("m2", v1::CONTRIBUTION_KIND_IDEA, "Both", {q1, q2}));
  ASSERT_OK(h.Add("m3", v1::CONTRIBUTION_KIND_IDEA, "Stop calling daily", {q2}));
  ASSERT_OK(h.Advance("f", "ideas"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_COMMENT, "The visit is new"));
  ASSERT_OK(h.End("f"));

  auto record = BuildSessionRecord(h.state());
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->name(), "organizations/acme/teams/t1/sessionRecords/s1");
  EXPECT_EQ(record->session(), kSessionName);
  EXPECT_EQ(record->facilitator(), "f");
  EXPECT_EQ(record->case_owner(), "o");
  EXPECT_EQ(record->participants_size(), 5);
  EXPECT_EQ(record->final_state(), v1::SESSION_STATE_ENDED);
  ASSERT_EQ(record->phases_size(), 6);
  EXPECT_EQ(ToDuration(record->phases(3).actual_duration()), absl::Minutes(6));
  EXPECT_TRUE(record->phases(3).overrun());
  EXPECT_EQ(record->phases(3).overridden_criteria(0), "all_hypotheses_answered");
  EXPECT_EQ(ToDuration(record->duration()), absl::Minutes(6));
  ASSERT_EQ(record->case_owner_questions_size(), 2);
  ASSERT_EQ(record->hypotheses_size(), 2);
  EXPECT_EQ(record->hypotheses(0).response(), v1::HYPOTHESIS_RESPONSE_AGREE);
  EXPECT_EQ(record->hypotheses(1).response(), v1::HYPOTHESIS_RESPONSE_UNSPECIFIED);
  ASSERT_EQ(record->idea_groups_size(), 2);
  EXPECT_EQ(record->idea_groups(0).ideas_size(), 2);
  EXPECT_EQ(record->idea_groups(1).ideas_size(), 2);
  ASSERT_EQ(record->reactions_size(), 1);
  EXPECT_EQ(record->reactions(0).text(), "The visit is new");
  EXPECT_EQ(record->DebugString().find("zq-stays-in-session"), std::string::npos);
}

TEST(OutcomeBuilder, MeetingRecordHoldsCheckInsNotesReviewAndActionItems) {
  EngineHarness h;
  ASSERT_OK(MeetingStarted(h, "case-management-meeting"));
  ASSERT_OK(h.Add("sup", v1::CONTRIBUTION_KIND_NOTE, "Agenda agreed"));
  ASSERT_OK(h.Add("c1", v1::CONTRIBUTION_KIND_NOTE, "Add training"));
  ASSERT_OK(h.Advance("sup", "opening"));
  ASSERT_OK(h.AddCheckIn("c1", "A family re-engaged", "Backlog"));
  for (int i = 0; i < 3; ++i) ASSERT_OK(h.AdvanceFromCurrent("sup", true));
  ASSERT_OK(h.Add("sup", v1::CONTRIBUTION_KIND_DECISION, "Training in March"));
  ASSERT_OK(h.AddActionItem("sup", "Book the room", "sup", v1::ACTION_ITEM_OWNER_ROLE_SUPERVISOR,
                            absl::Hours(24)));
  ASSERT_OK(h.Add("sup", v1::CONTRIBUTION_KIND_SUMMARY, "Short meeting"));
  ASSERT_OK(h.End("sup"));
  auto record = BuildSessionRecord(h.state());
  ASSERT_TRUE(record.ok()) << record.status();
  ASSERT_EQ(record->check_ins_size(), 1);
  EXPECT_EQ(record->check_ins(0).caseworker(), "c1");
  ASSERT_EQ(record->section_notes_size(), 1);
  EXPECT_EQ(record->section_notes(0).section(), v1::AGENDA_SECTION_OPENING_CHECK_IN);
  EXPECT_EQ(record->section_notes(0).notes(), "Agenda agreed\nAdd training");
  EXPECT_EQ(record->case_load_review().open_cases(), 12);
  ASSERT_EQ(record->action_items_size(), 1);
  EXPECT_EQ(record->action_items(0).owner_role(), v1::ACTION_ITEM_OWNER_ROLE_SUPERVISOR);
  ASSERT_EQ(record->decisions_size(), 1);
}

TEST(OutcomeBuilder, CancelledSessionStillHasARecord) {
  EngineHarness h;
  ASSERT_OK(h.Create("intervision"));
  ASSERT_OK(h.End("creator", "nobody came"));
  auto record = BuildSessionRecord(h.state());
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->final_state(), v1::SESSION_STATE_CANCELLED);
  EXPECT_EQ(record->end_reason(), "nobody came");
  EXPECT_FALSE(record->has_start_time());
}

}  // namespace
}  // namespace casework::session::testing
