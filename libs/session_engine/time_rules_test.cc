// Rules of time: a phase start sets its deadline; Tick yields PhaseTimeWarning (lead time, default
// 2 minutes) and PhaseOverrun exactly once per phase; ExtendPhase moves the deadline; pause and
// resume stop and restart the clock; durations, overruns and early ends are measured.
#include "gtest/gtest.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/session_engine/time_util.h"

namespace casework::session::testing {
namespace {

int Count(const std::vector<v1::SessionEvent>& events, v1::SessionEvent::PayloadCase kind) {
  int n = 0;
  for (const v1::SessionEvent& event : events) n += event.payload_case() == kind;
  return n;
}

TEST(Time, WarningAndOverrunExactlyOncePerPhase) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));  // 15 minutes from now
  const absl::Time deadline = ToTime(h.session().current_phase().deadline());
  EXPECT_EQ(deadline, h.now() + absl::Minutes(15));
  h.AdvanceClock(absl::Minutes(12));
  auto events = h.Tick();
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_TRUE(events->empty());
  h.AdvanceClock(absl::Minutes(1));  // 2 minutes left
  events = h.Tick();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(ToDuration((*events)[0].phase_time_warning().remaining()), absl::Minutes(2));
  EXPECT_EQ((*events)[0].actor(), "system");
  EXPECT_TRUE(h.Tick()->empty());
  h.AdvanceClock(absl::Minutes(2));
  events = h.Tick();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_TRUE((*events)[0].has_phase_overrun());
  h.AdvanceClock(absl::Minutes(10));
  EXPECT_TRUE(h.Tick()->empty());
  EXPECT_TRUE(h.session().current_phase().overrun());
  EXPECT_EQ(Count(h.log(), v1::SessionEvent::kPhaseTimeWarning), 1);
  EXPECT_EQ(Count(h.log(), v1::SessionEvent::kPhaseOverrun), 1);
}

TEST(Time, ALateTickAppendsBothOnce) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  h.AdvanceClock(absl::Minutes(40));
  auto events = h.Tick();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_TRUE((*events)[0].has_phase_time_warning());
  EXPECT_TRUE((*events)[1].has_phase_overrun());
  ASSERT_OK(h.Advance("f", "questions"));
  const v1::SessionPhase& questions = h.session().phases(1);
  EXPECT_TRUE(questions.overrun());
  EXPECT_EQ(ToDuration(questions.actual_duration()), absl::Minutes(40));
  EXPECT_EQ(ToDuration(h.log()[h.log().size() - 2].phase_ended().overrun_by()), absl::Minutes(25));
}

TEST(Time, TheLeadIsConfigurable) {
  EngineHarness h;
  v1::Session requested;
  *requested.mutable_timing_overrides()->mutable_time_warning_lead() =
      ToProtoDuration(absl::Minutes(4));
  ASSERT_OK(h.Create("balint-consultation", requested));
  ASSERT_OK(h.SetUpLobby("f", "o", {"m1", "m2", "m3"}));
  ASSERT_OK(h.Start("f"));
  h.AdvanceClock(absl::Minutes(11));
  EXPECT_EQ(h.Tick()->size(), 1u);
}

TEST(Time, ExtendMovesTheDeadlineWithoutReArmingTheWarning) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  const absl::Time deadline = ToTime(h.session().current_phase().deadline());
  h.AdvanceClock(absl::Minutes(14));
  ASSERT_EQ(h.Tick()->size(), 1u);
  EXPECT_REFUSED(h.Extend("m1", "questions", absl::Minutes(5)), kPermissionDenied,
                 "FACILITATOR_REQUIRED");
  EXPECT_REFUSED(h.Extend("f", "hypotheses", absl::Minutes(5)), kAborted, "PHASE_MISMATCH");
  EXPECT_REFUSED(h.Extend("f", "questions", absl::Hours(2)), kInvalidArgument, "FIELD_INVALID");
  ASSERT_OK(h.Extend("f", "questions", absl::Minutes(5)));
  EXPECT_EQ(ToTime(h.session().current_phase().deadline()), deadline + absl::Minutes(5));
  h.AdvanceClock(absl::Minutes(4));  // 2 minutes before the new deadline
  EXPECT_TRUE(h.Tick()->empty());
  h.AdvanceClock(absl::Minutes(2));
  auto events = h.Tick();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_TRUE((*events)[0].has_phase_overrun());
  ASSERT_OK(h.Advance("f", "questions"));
  EXPECT_EQ(ToDuration(h.session().phases(1).extended_by()), absl::Minutes(5));
}

TEST(Time, PauseStopsTheClockAndResumeRestartsIt) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  h.AdvanceClock(absl::Minutes(5));
  EXPECT_REFUSED(h.Pause("m1"), kPermissionDenied, "FACILITATOR_REQUIRED");
  EXPECT_REFUSED(h.Resume("f"), kFailedPrecondition, "SESSION_STATE_INVALID");
  ASSERT_OK(h.Pause("f"));
  EXPECT_EQ(h.session().state(), v1::SESSION_STATE_PAUSED);
  EXPECT_EQ(ToDuration(h.session().current_phase().remaining()), absl::Minutes(10));
  h.AdvanceClock(absl::Hours(1));
  EXPECT_TRUE(h.Tick()->empty());
  ASSERT_OK(h.Resume("f"));
  EXPECT_EQ(ToTime(h.session().current_phase().deadline()), h.now() + absl::Minutes(10));
  EXPECT_EQ(ToDuration(h.log().back().session_resumed().paused_duration()), absl::Hours(1));
  h.AdvanceClock(absl::Minutes(7));
  ASSERT_OK(h.Advance("f", "questions"));
  const v1::SessionPhase& questions = h.session().phases(1);
  EXPECT_EQ(ToDuration(questions.actual_duration()), absl::Minutes(12));
  EXPECT_FALSE(questions.overrun());
}

TEST(Time, EarlyEndsAndOverrunContributionsAreMarked) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  h.AdvanceClock(absl::Minutes(16));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Why now?"));
  const v1::Contribution& late = h.session().contributions(h.session().contributions_size() - 1);
  EXPECT_EQ(late.flags(0), v1::CONTRIBUTION_FLAG_DURING_OVERRUN);
  ASSERT_OK(h.Advance("f", "questions"));
  h.AdvanceClock(absl::Minutes(2));
  ASSERT_OK(h.Advance("f", "hypotheses"));  // minimum 10 minutes
  EXPECT_TRUE(h.log()[h.log().size() - 2].phase_ended().ended_early());
}

TEST(Time, OnlyTheSystemTicks) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  v1::SessionCommand tick;
  tick.mutable_tick();
  EXPECT_REFUSED(h.Do(tick, "f"), kPermissionDenied, "SYSTEM_ACTOR_REQUIRED");
}

}  // namespace
}  // namespace casework::session::testing
