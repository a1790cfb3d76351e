// A complete run of each protocol (and of the extended meeting with each segment), through every
// phase to the end, checking the log, the fold and the phase bookkeeping.
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "libs/session_engine/outcome_builder.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"
#include "libs/session_engine/testing/scenarios.h"

namespace casework::session::testing {
namespace {

void ExpectCompleteAndConsistent(const EngineHarness& h) {
  EXPECT_EQ(h.session().state(), v1::SESSION_STATE_ENDED);
  for (const v1::SessionPhase& phase : h.session().phases()) {
    EXPECT_EQ(phase.status(), v1::PHASE_STATUS_COMPLETED) << phase.phase_id();
    EXPECT_TRUE(phase.has_actual_duration()) << phase.phase_id();
  }
  for (size_t i = 0; i < h.log().size(); ++i) EXPECT_EQ(h.log()[i].sequence(), int64_t(i + 1));
  auto folded = Fold(h.log());
  ASSERT_TRUE(folded.ok()) << folded.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*folded, h.state()));
  EXPECT_TRUE(BuildSessionRecord(h.state()).ok());
}

TEST(CompleteRun, BalintConsultation) {
  EngineHarness h;
  ASSERT_OK(BalintLobby(h));
  ASSERT_OK(h.Start("f"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_CASE_STATEMENT, "A family that stopped answering"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "How can I rebuild contact?"));
  const std::string question = h.LastContribution();
  h.AdvanceClock(absl::Minutes(12));
  ASSERT_OK(h.Advance("f", "case_description"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "When did it change?"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_ANSWER, "After the move", {h.LastContribution()}));
  h.AdvanceClock(absl::Minutes(11));
  ASSERT_OK(h.Advance("f", "questions"));
  ASSERT_OK(h.Add("m2", v1::CONTRIBUTION_KIND_HYPOTHESIS, "They feel judged"));
  ASSERT_OK(h.Add("f", v1::CONTRIBUTION_KIND_HYPOTHESIS, "Money worries", {}, "m3"));
  h.AdvanceClock(absl::Minutes(10));
  ASSERT_OK(h.Advance("f", "hypotheses"));
  ASSERT_OK(h.Respond("o", h.session().contributions(4).name(), v1::HYPOTHESIS_RESPONSE_AGREE));
  ASSERT_OK(h.Respond("o", h.session().contributions(5).name(), v1::HYPOTHESIS_RESPONSE_DISAGREE));
  h.AdvanceClock(absl::Minutes(5));
  ASSERT_OK(h.Advance("f", "feedback"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_IDEA, "A home visit with a colleague", {question}));
  ASSERT_OK(h.Add("m2", v1::CONTRIBUTION_KIND_IDEA, "A letter", {question}));
  h.AdvanceClock(absl::Minutes(10));
  ASSERT_OK(h.Advance("f", "ideas"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_COMMENT, "The visit is new to me"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_REFLECTION, "Thank you"));
  h.AdvanceClock(absl::Minutes(10));
  ASSERT_OK(h.End("f"));
  ExpectCompleteAndConsistent(h);
}

TEST(CompleteRun, Intervision) {
  EngineHarness h;
  ASSERT_OK(IntervisionAt(h, "explore"));
  ASSERT_OK(h.GiveTurn("f", "m1"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "What happened first?"));
  ASSERT_OK(h.Add("g", v1::CONTRIBUTION_KIND_ANSWER, "A complaint", {h.LastContribution()}));
  ASSERT_OK(h.Advance("f", "explore"));
  for (const char* m : {"m1", "m2", "m3"}) {
    ASSERT_OK(h.Add(m, v1::CONTRIBUTION_KIND_JUDGEMENT, "Boundaries are unclear"));
    ASSERT_OK(h.Add(m, v1::CONTRIBUTION_KIND_ADVICE, "Agree a limit"));
  }
  for (const char* m : {"m1", "m2", "m3"}) {
    ASSERT_OK(h.GiveTurn("f", m));
    std::vector<std::string> own;
    for (const v1::Contribution& c : h.session().contributions()) {
      if (c.author() == m && c.visibility() == v1::CONTRIBUTION_VISIBILITY_SEALED) {
        own.push_back(c.name());
      }
    }
    ASSERT_OK(h.Reveal("f", own));
  }
  const std::string advice = h.LastContribution();
  ASSERT_OK(h.Advance("f", "judge_advise"));
  ASSERT_OK(h.Add("g", v1::CONTRIBUTION_KIND_REACTION, "The limit helps", {advice}));
  ASSERT_OK(h.Add("g", v1::CONTRIBUTION_KIND_DECISION, "I will agree a limit"));
  ASSERT_OK(h.Advance("f", "decide"));
  ASSERT_OK(h.Add("m2", v1::CONTRIBUTION_KIND_EXPERIENCE, "I had the same"));
  ASSERT_OK(h.Advance("f", "share"));
  ASSERT_OK(h.Add("g", v1::CONTRIBUTION_KIND_EVALUATION, "Safe and specific"));
  ASSERT_OK(h.End("f"));
  ExpectCompleteAndConsistent(h);
}

absl::Status RunMeeting(EngineHarness& h, const std::string& protocol_id, v1::Session requested) {
  h.SetTeamRoles("sup", {v1::TEAM_ROLE_SUPERVISOR});
  if (absl::Status s = h.Create(protocol_id, requested); !s.ok()) return s;
  const bool balint =
      requested.extended_segment().case_discussion_protocol_id() == "balint-consultation";
  if (absl::Status s = h.SetUpLobby("sup", balint ? "c3" : "", {"c1", "c2", "c4"}); !s.ok())
    return s;
  if (absl::Status s = h.Start("sup"); !s.ok()) return s;
  while (true) {
    const std::string phase = h.current_phase();
    absl::Status s;
    if (phase == "opening") s = h.Add("sup", v1::CONTRIBUTION_KIND_NOTE, "Agenda agreed");
    if (phase == "administrative") {
      for (const char* c : {"c1", "c2", "c4"}) {
        if (s.ok()) s = h.AddCheckIn(c, "A family re-engaged", "Paperwork backlog");
      }
    }
    if (phase == "segment.choose") s = h.AssignRoles("sup", "", "c2");
    if (phase == "segment.case_description" || phase == "segment.state_problem") {
      s = h.Add(phase == "segment.choose" ? "c2" : h.session().case_owner(),
                v1::CONTRIBUTION_KIND_QUESTION, "How do I go on?");
    }
    if (phase == "closing") {
      s = h.Add("sup", v1::CONTRIBUTION_KIND_SUMMARY, "Good meeting");
      if (s.ok()) {
        s = h.AddActionItem("sup", "Share the training dates", "c1",
                            v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER, absl::Hours(72));
      }
      if (s.ok()) s = h.End("sup");
      return s;
    }
    if (!s.ok()) return s;
    h.AdvanceClock(absl::Minutes(10));
    if (s = h.AdvanceFromCurrent("sup", /*override_criteria=*/true); !s.ok()) return s;
  }
}

TEST(CompleteRun, CaseManagementMeeting) {
  EngineHarness h;
  ASSERT_OK(RunMeeting(h, "case-management-meeting", {}));
  ExpectCompleteAndConsistent(h);
  EXPECT_EQ(h.session().phases_size(), 5);
}

class ExtendedMeetingRun
    : public ::testing::TestWithParam<std::pair<v1::ExtendedSegmentKind, const char*>> {};

TEST_P(ExtendedMeetingRun, RunsTheMeetingWithItsSegment) {
  v1::Session requested;
  requested.mutable_extended_segment()->set_kind(GetParam().first);
  requested.mutable_extended_segment()->set_title("This month's segment");
  requested.mutable_extended_segment()->set_case_discussion_protocol_id(GetParam().second);
  EngineHarness h;
  ASSERT_OK(RunMeeting(h, "extended-case-management-meeting", requested));
  ExpectCompleteAndConsistent(h);
  EXPECT_GT(h.session().phases_size(), 6);
}

INSTANTIATE_TEST_SUITE_P(
    Segments, ExtendedMeetingRun,
    ::testing::Values(std::pair{v1::EXTENDED_SEGMENT_KIND_TOPICAL_SESSION, ""},
                      std::pair{v1::EXTENDED_SEGMENT_KIND_GUEST_SPEAKER, ""},
                      std::pair{v1::EXTENDED_SEGMENT_KIND_CASE_DISCUSSION, "balint-consultation"},
                      std::pair{v1::EXTENDED_SEGMENT_KIND_CASE_DISCUSSION, "intervision"}),
    [](const auto& param_info) {
      std::string name = v1::ExtendedSegmentKind_Name(param_info.param.first).substr(22);
      for (const char* c = param_info.param.second; *c != '\0'; ++c) {
        if (*c != '-') name += *c;
      }
      return name;
    });

}  // namespace
}  // namespace casework::session::testing
