// The per-viewer projections of sessions and events: sealed text reaches only its author before
// the reveal, then everyone through ContributionsRevealed.
#include "gtest/gtest.h"
#include "libs/session_engine/session_projection.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"
#include "libs/session_engine/testing/scenarios.h"

namespace casework::session::testing {
namespace {

TEST(Projection, BasicViewLeavesOutContributions) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  const v1::Session basic = ProjectSession(h.state(), Person("m1"), v1::SESSION_VIEW_BASIC);
  EXPECT_EQ(basic.contributions_size(), 0);
  EXPECT_EQ(basic.case_owner_questions_size(), 1);
  const v1::Session full = ProjectSession(h.state(), Person("m1"), v1::SESSION_VIEW_FULL);
  EXPECT_EQ(full.contributions_size(), 1);
}

TEST(Projection, SealedEntriesAreWithheldFromOthers) {
  EngineHarness h;
  ASSERT_OK(IntervisionAt(h, "judge_advise"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_ADVICE, "zq-advice", {}));
  const v1::Contribution& stored = h.session().contributions(h.session().contributions_size() - 1);
  const v1::Contribution other = ProjectContribution(stored, Person("m2"));
  EXPECT_TRUE(other.content_withheld());
  EXPECT_EQ(other.text(), "");
  EXPECT_EQ(other.author(), "m1");
  EXPECT_EQ(other.visibility(), v1::CONTRIBUTION_VISIBILITY_SEALED);
  const v1::Contribution own = ProjectContribution(stored, Person("m1"));
  EXPECT_FALSE(own.content_withheld());
  EXPECT_EQ(own.text(), "zq-advice");
}

TEST(Projection, EventsCarrySealedTextOnlyToTheAuthorThenToEveryoneOnReveal) {
  EngineHarness h;
  ASSERT_OK(IntervisionAt(h, "judge_advise"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_ADVICE, "zq-advice"));
  const v1::SessionEvent added = h.log().back();
  EXPECT_EQ(ProjectEvent(h.state(), added, Person("m2")).DebugString().find("zq-advice"),
            std::string::npos);
  EXPECT_NE(ProjectEvent(h.state(), added, Person("m1")).DebugString().find("zq-advice"),
            std::string::npos);
  ASSERT_OK(h.GiveTurn("f", "m1"));
  ASSERT_OK(h.Reveal("f", {h.LastContribution()}));
  const v1::SessionEvent reveal = h.log().back();
  EXPECT_TRUE(reveal.contributions_revealed().revealed_contributions().empty());  // stored form
  const v1::SessionEvent projected = ProjectEvent(h.state(), reveal, Person("m2"));
  ASSERT_EQ(projected.contributions_revealed().revealed_contributions_size(), 1);
  const v1::Contribution& revealed = projected.contributions_revealed().revealed_contributions(0);
  EXPECT_EQ(revealed.text(), "zq-advice");
  EXPECT_EQ(revealed.visibility(), v1::CONTRIBUTION_VISIBILITY_REVEALED);
  // Replaying the old ContributionAdded still withholds it; the reveal event carries the text.
  EXPECT_EQ(ProjectEvent(h.state(), added, Person("m2")).DebugString().find("zq-advice"),
            std::string::npos);
}

TEST(Projection, SessionCreatedOmitsThePinnedTemplate) {
  EngineHarness h;
  ASSERT_OK(h.Create("balint-consultation"));
  const v1::SessionEvent created = ProjectEvent(h.state(), h.log().front(), Person("m1"));
  EXPECT_FALSE(created.session_created().has_protocol());
  EXPECT_EQ(created.session_created().session().name(), kSessionName);
}

}  // namespace
}  // namespace casework::session::testing
