// Rules of phase transitions: only the facilitator advances; a stale or repeated advance is
// refused and never skips a phase; exit criteria with recorded overrides; the last phase; ending
// and cancelling; the case-load review; roles a phase needs; the record-stored bookkeeping.
#include "gtest/gtest.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"
#include "libs/session_engine/testing/scenarios.h"

namespace casework::session::testing {
namespace {

TEST(AdvancePhase, OnlyTheFacilitator) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  EXPECT_REFUSED(h.Advance("m1", "questions"), kPermissionDenied, "FACILITATOR_REQUIRED");
  EXPECT_REFUSED(h.Advance("o", "questions"), kPermissionDenied, "FACILITATOR_REQUIRED");
  ASSERT_OK(h.Advance("f", "questions"));
}

TEST(AdvancePhase, AStaleOrRepeatedAdvanceNeverSkipsAPhase) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  const size_t events = h.log().size();
  const absl::Status stale = h.Advance("f", "case_description");
  EXPECT_REFUSED(stale, kAborted, "PHASE_MISMATCH");
  EXPECT_EQ(GetErrorInfo(stale)->metadata().at("current_phase_id"), "questions");
  EXPECT_EQ(h.log().size(), events);
  ASSERT_OK(h.Advance("f", "questions"));
  EXPECT_REFUSED(h.Advance("f", "questions"), kAborted, "PHASE_MISMATCH");  // the double click
  EXPECT_EQ(h.current_phase(), "hypotheses");
  EXPECT_REFUSED(h.Advance("f", ""), kInvalidArgument, "FIELD_INVALID");
}

TEST(AdvancePhase, BalintCaseDescriptionNeedsTheCaseOwnersQuestionsWithoutOverride) {
  EngineHarness h;
  ASSERT_OK(BalintLobby(h));
  ASSERT_OK(h.Start("f"));
  const absl::Status unmet = h.Advance("f", "case_description");
  EXPECT_REFUSED(unmet, kFailedPrecondition, "EXIT_CRITERIA_UNMET");
  EXPECT_EQ(GetErrorInfo(unmet)->metadata().at("criteria"), "case_owner_questions");
  EXPECT_REFUSED(h.Advance("f", "case_description", "we ran out of time"), kFailedPrecondition,
                 "CRITERION_NOT_OVERRIDABLE");
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "How can I rebuild trust?"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "What should I leave alone?"));
  ASSERT_OK(h.Advance("f", "case_description"));
  EXPECT_EQ(h.session().case_owner_questions_size(), 2);
}

TEST(AdvancePhase, UnansweredHypothesesNeedARecordedOverride) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "hypotheses"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, "Loyalty conflict"));
  ASSERT_OK(h.Add("m2", v1::CONTRIBUTION_KIND_HYPOTHESIS, "Fear of failure"));
  ASSERT_OK(h.Advance("f", "hypotheses"));
  ASSERT_OK(h.Respond("o", h.session().contributions(1).name(), v1::HYPOTHESIS_RESPONSE_AGREE));
  EXPECT_EQ(h.session().hypotheses().answered(), 1);
  EXPECT_FALSE(h.session().current_phase().exit_criteria(0).met());
  EXPECT_REFUSED(h.Advance("f", "feedback"), kFailedPrecondition, "EXIT_CRITERIA_UNMET");
  v1::SessionCommand command;
  command.mutable_advance_phase()->set_request_id("r-x");
  command.mutable_advance_phase()->set_expected_phase_id("feedback");
  command.mutable_advance_phase()->set_override_exit_criteria(true);
  EXPECT_REFUSED(h.Do(command, "f"), kInvalidArgument, "OVERRIDE_REASON_REQUIRED");
  ASSERT_OK(h.Advance("f", "feedback", "the case owner wants to move on"));
  const v1::SessionPhase& feedback = h.session().phases(3);
  ASSERT_EQ(feedback.overridden_criteria_size(), 1);
  EXPECT_EQ(feedback.overridden_criteria(0), "all_hypotheses_answered");
  EXPECT_EQ(feedback.override_reason(), "the case owner wants to move on");
}

TEST(AdvancePhase, IntervisionChooseNeedsChairAndCaseGiver) {
  EngineHarness h;
  ASSERT_OK(IntervisionAt(h, "choose"));
  EXPECT_REFUSED(h.Advance("f", "choose"), kFailedPrecondition, "EXIT_CRITERIA_UNMET");
  EXPECT_REFUSED(h.Advance("f", "choose", "no volunteer"), kFailedPrecondition,
                 "CRITERION_NOT_OVERRIDABLE");
  ASSERT_OK(h.AssignRoles("f", "", "g"));
  ASSERT_OK(h.Advance("f", "choose"));
}

TEST(AdvancePhase, TheLastPhaseEndsWithEndSession) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "comments"));
  EXPECT_REFUSED(h.Advance("f", "comments"), kFailedPrecondition, "NO_NEXT_PHASE");
  ASSERT_OK(h.End("f"));
  EXPECT_EQ(h.session().state(), v1::SESSION_STATE_ENDED);
  EXPECT_EQ(h.session().end_reason(), "");
  for (const v1::SessionPhase& phase : h.session().phases()) {
    EXPECT_EQ(phase.status(), v1::PHASE_STATUS_COMPLETED) << phase.phase_id();
  }
}

TEST(AdvancePhase, NotWhilePaused) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  ASSERT_OK(h.Pause("f"));
  EXPECT_REFUSED(h.Advance("f", "questions"), kFailedPrecondition, "SESSION_STATE_INVALID");
}

TEST(EndSession, EndingEarlyOrCancellingNeedsAReason) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  EXPECT_REFUSED(h.End("m1", "bored"), kPermissionDenied, "FACILITATOR_REQUIRED");
  EXPECT_REFUSED(h.End("f"), kInvalidArgument, "REASON_REQUIRED");
  ASSERT_OK(h.End("f", "the case owner was called away"));
  EXPECT_EQ(h.session().state(), v1::SESSION_STATE_ENDED);
  EXPECT_EQ(h.session().phases(1).status(), v1::PHASE_STATUS_COMPLETED);
  EXPECT_EQ(h.session().phases(2).status(), v1::PHASE_STATUS_SKIPPED);
  EXPECT_TRUE(h.log().back().session_ended().early());
  EXPECT_REFUSED(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Why?"),
                 kFailedPrecondition, "SESSION_STATE_INVALID");
  EXPECT_REFUSED(h.End("f", "again"), kFailedPrecondition, "SESSION_STATE_INVALID");
}

TEST(EndSession, TheCreatorCancelsBeforeAFacilitatorIsAssigned) {
  EngineHarness h;
  ASSERT_OK(h.Create("balint-consultation"));
  EXPECT_REFUSED(h.End("creator"), kInvalidArgument, "REASON_REQUIRED");
  ASSERT_OK(h.End("creator", "nobody could come"));
  EXPECT_EQ(h.session().state(), v1::SESSION_STATE_CANCELLED);
  for (const v1::SessionPhase& phase : h.session().phases()) {
    EXPECT_EQ(phase.status(), v1::PHASE_STATUS_SKIPPED);
  }
}

TEST(EndSession, RegularEndChecksTheLastPhasesCriteria) {
  EngineHarness h;
  ASSERT_OK(MeetingStarted(h, "case-management-meeting"));
  for (int i = 0; i < 4; ++i) ASSERT_OK(h.AdvanceFromCurrent("sup", /*override_criteria=*/true));
  EXPECT_EQ(h.current_phase(), "closing");
  EXPECT_REFUSED(h.End("sup"), kFailedPrecondition, "EXIT_CRITERIA_UNMET");
  ASSERT_OK(h.End("sup", "summary given verbally"));
  EXPECT_EQ(h.session().phases(4).overridden_criteria(0), "meeting_summarised");
  EXPECT_FALSE(h.log().back().session_ended().early());
}

TEST(CaseLoadReview, AttachedAnonymouslyOnEnteringTheAdministrativeSection) {
  EngineHarness h;
  ASSERT_OK(MeetingStarted(h, "case-management-meeting"));
  h.set_supply_case_load_review(false);
  EXPECT_REFUSED(h.Advance("sup", "opening"), kInternal, "COMMAND_FACTS_MISSING");
  h.set_supply_case_load_review(true);
  ASSERT_OK(h.Advance("sup", "opening"));
  EXPECT_TRUE(h.log().back().has_case_load_review_attached());
  EXPECT_EQ(h.session().case_load_review().open_cases(), 12);
  EXPECT_EQ(h.session().case_load_review().caseworker_loads(0).caseworker(), "");
}

TEST(RequiredRoles, ABalintCaseDiscussionNeedsItsCaseOwnerBeforeItStarts) {
  EngineHarness h;
  v1::Session requested;
  requested.mutable_extended_segment()->set_kind(v1::EXTENDED_SEGMENT_KIND_CASE_DISCUSSION);
  requested.mutable_extended_segment()->set_title("A challenging case");
  requested.mutable_extended_segment()->set_case_discussion_protocol_id("balint-consultation");
  ASSERT_OK(MeetingStarted(h, "extended-case-management-meeting", requested));
  for (int i = 0; i < 3; ++i) ASSERT_OK(h.AdvanceFromCurrent("sup", true));
  EXPECT_EQ(h.current_phase(), "supportive");
  EXPECT_REFUSED(h.Advance("sup", "supportive"), kFailedPrecondition, "ROLES_INCOMPLETE");
}

TEST(MarkRecordStored, SystemOnlyAfterTheEndAndIdempotent) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  v1::SessionCommand command;
  command.mutable_mark_record_stored()->set_session_record(
      "organizations/acme/teams/t1/sessionRecords/s1");
  EXPECT_REFUSED(h.Do(command, "f"), kPermissionDenied, "SYSTEM_ACTOR_REQUIRED");
  EXPECT_REFUSED(h.MarkStored("organizations/acme/teams/t1/sessionRecords/s1"), kFailedPrecondition,
                 "SESSION_STATE_INVALID");
  ASSERT_OK(h.End("f", "done early"));
  ASSERT_OK(h.MarkStored("organizations/acme/teams/t1/sessionRecords/s1"));
  const size_t events = h.log().size();
  ASSERT_OK(h.MarkStored("organizations/acme/teams/t1/sessionRecords/s1"));
  EXPECT_EQ(h.log().size(), events);
  EXPECT_EQ(h.session().session_record(), "organizations/acme/teams/t1/sessionRecords/s1");
}

}  // namespace
}  // namespace casework::session::testing
