// Session limits: a command that would take a session beyond its contributions or its bytes of
// content is refused at exactly the limit with FAILED_PRECONDITION SESSION_LIMIT_REACHED naming
// the limit and its value, and nothing is appended; advancing and ending still work; templates
// may only lower the limits; the usage is kept by the fold and shown in the projection.
#include "libs/session_engine/session_limits.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/session_engine/protocol_validator.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/session_projection.h"
#include "libs/session_engine/testing/bounded_sessions.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/status/errors.h"

namespace casework::session::testing {
namespace {

// The refusal names the limit and its value, and the session is as it was.
void ExpectLimitRefusal(EngineHarness& h, const v1::SessionCommand& command,
                        absl::string_view subject, absl::string_view limit, int64_t value) {
  const int64_t version = h.session().version();
  const size_t logged = h.log().size();
  const absl::Status refused = h.Do(command, subject);
  EXPECT_REFUSED(refused, kFailedPrecondition, "SESSION_LIMIT_REACHED");
  const auto info = GetErrorInfo(refused);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("limit"), limit);
  EXPECT_EQ(info->metadata().at("value"), absl::StrCat(value));
  EXPECT_EQ(h.session().version(), version) << "a refused command appended";
  EXPECT_EQ(h.log().size(), logged);
}

TEST(SessionLimits, TheContributionAfterTheLastAllowedIsRefused) {
  EngineHarness h;
  ASSERT_OK(MeetingInOpening(h, WithLimits("case-management-meeting", "bounded", 5, 0)));
  for (int i = 0; i < 5; ++i) ASSERT_OK(h.Add("sup", v1::CONTRIBUTION_KIND_NOTE, "Agenda item"));
  ExpectLimitRefusal(h, AddCommand(v1::CONTRIBUTION_KIND_NOTE, "One more"), "c1",
                     "max_contributions", 5);
  EXPECT_EQ(h.session().usage().contributions(), 5);
}

TEST(SessionLimits, TheDefaultIsTenThousandContributions) {
  EngineHarness h;
  ASSERT_OK(MeetingInOpening(h, *BuiltInProtocols().Find("case-management-meeting")));
  for (int i = 0; i < kMaxContributionsPerSession; ++i) {
    ASSERT_OK(h.Add(i % 2 == 0 ? "sup" : "c1", v1::CONTRIBUTION_KIND_NOTE, "Noted"));
  }
  ExpectLimitRefusal(h, AddCommand(v1::CONTRIBUTION_KIND_NOTE, "Noted"), "sup", "max_contributions",
                     10'000);
}

TEST(SessionLimits, ContentIsRefusedAtOneByteBeyondTheLimit) {
  EngineHarness h;
  const int64_t limit = 100'000;
  ASSERT_OK(MeetingInOpening(h, WithLimits("case-management-meeting", "bounded", 0, limit)));
  // Fill to 300 bytes short of the limit, then try a note one byte too long, then the exact one.
  while (limit - ContentBytesUsed(h.session()) > 4500) {
    ASSERT_OK(h.Add("sup", v1::CONTRIBUTION_KIND_NOTE, Prose(4000)));
  }
  const int64_t remaining = limit - ContentBytesUsed(h.session());
  const int64_t base = WeightOf(h, AddCommand(v1::CONTRIBUTION_KIND_NOTE, Prose(200)), "sup") - 200;
  const size_t exact = static_cast<size_t>(remaining - base);
  ASSERT_GT(exact, 128u);
  EXPECT_EQ(WeightOf(h, AddCommand(v1::CONTRIBUTION_KIND_NOTE, Prose(exact + 1)), "sup"),
            remaining + 1);
  ExpectLimitRefusal(h, AddCommand(v1::CONTRIBUTION_KIND_NOTE, Prose(exact + 1)), "sup",
                     "max_content_bytes", limit);
  ASSERT_OK(h.Do(AddCommand(v1::CONTRIBUTION_KIND_NOTE, Prose(exact)), "sup"));
  EXPECT_EQ(ContentBytesUsed(h.session()), limit);
  ExpectLimitRefusal(h, AddCommand(v1::CONTRIBUTION_KIND_NOTE, "x"), "c2", "max_content_bytes",
                     limit);
}

TEST(SessionLimits, AFullSessionStillAdvancesAndEndsButTakesNoMoreContent) {
  EngineHarness h;
  ASSERT_OK(MeetingInOpening(h, WithLimits("case-management-meeting", "bounded", 0, 65'536)));
  ASSERT_OK(FillWithNotesExactly(h));
  ASSERT_OK(h.GiveTurn("sup", ""));  // taking nobody's turn back adds nothing
  EXPECT_REFUSED(h.GiveTurn("sup", "c1"), kFailedPrecondition, "SESSION_LIMIT_REACHED");
  EXPECT_REFUSED(h.Join("latecomer"), kFailedPrecondition, "SESSION_LIMIT_REACHED");
  ASSERT_OK(h.Join("c1"));  // joining again appends nothing
  ASSERT_OK(h.Advance("sup", "opening", "the session is full"));
  EXPECT_GT(ContentBytesUsed(h.session()), 65'536) << "the override reason counts, unrefused";
  EXPECT_REFUSED(h.AddCheckIn("c1", "A family re-engaged", "Paperwork backlog"),
                 kFailedPrecondition, "SESSION_LIMIT_REACHED");
  ASSERT_OK(h.End("sup", "the session is full"));
  EXPECT_EQ(h.session().state(), v1::SESSION_STATE_ENDED);
}

TEST(SessionLimits, AHypothesisResponseWithoutACommentFitsAFullSession) {
  EngineHarness h;
  ASSERT_OK(h.CreateCustom(WithLimits("balint-consultation", "bounded", 0, 65'536)));
  ASSERT_OK(h.SetUpLobby("f", "o", {"m1", "m2", "m3"}));
  ASSERT_OK(h.Start("f"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "How can I rebuild trust?"));
  ASSERT_OK(h.Advance("f", "case_description"));
  ASSERT_OK(h.Advance("f", "questions"));
  for (size_t length : {4000, 500, 50}) {  // until not even a short one fits
    absl::Status added;
    while ((added = h.Add("m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, Prose(length))).ok()) {
    }
    EXPECT_REFUSED(added, kFailedPrecondition, "SESSION_LIMIT_REACHED");
  }
  const std::string hypothesis = h.LastContribution();
  ASSERT_OK(h.Advance("f", "hypotheses"));
  EXPECT_REFUSED(h.Respond("o", hypothesis, v1::HYPOTHESIS_RESPONSE_AGREE, Prose(2000)),
                 kFailedPrecondition, "SESSION_LIMIT_REACHED");
  ASSERT_OK(h.Respond("o", hypothesis, v1::HYPOTHESIS_RESPONSE_AGREE));
}

TEST(SessionLimits, TemplatesMayOnlyLowerTheLimits) {
  struct Case {
    int32_t contributions;
    int64_t bytes;
    const char* issue;  // "" when valid
  };
  for (const Case& c : std::vector<Case>{
           {0, 0, ""},
           {1, kMinContentBytesPerSession, ""},
           {10'000, 3'000'000, ""},
           {-1, 0, "session_limits.max_contributions"},
           {10'001, 0, "session_limits.max_contributions"},
           {0, -1, "session_limits.max_content_bytes"},
           {0, kMinContentBytesPerSession - 1, "session_limits.max_content_bytes"},
           {0, 3'000'001, "session_limits.max_content_bytes"},
       }) {
    SCOPED_TRACE(absl::StrCat(c.contributions, " ", c.bytes));
    const auto issue = FindProtocolIssue(
        WithLimits("case-management-meeting", "bounded", c.contributions, c.bytes));
    EXPECT_EQ(issue.has_value() ? FieldPathString(issue->path) : "", c.issue);
  }
}

TEST(SessionLimits, TheProjectionShowsTheLimitsAndTheUsage) {
  EngineHarness h;
  ASSERT_OK(MeetingInOpening(h, WithLimits("case-management-meeting", "bounded", 50, 0)));
  ASSERT_OK(h.Add("sup", v1::CONTRIBUTION_KIND_NOTE, "Agenda agreed"));
  const v1::Session basic = ProjectSession(h.state(), Person("c1"), v1::SESSION_VIEW_BASIC);
  EXPECT_EQ(basic.limits().max_contributions(), 50);
  EXPECT_EQ(basic.limits().max_content_bytes(), kMaxContentBytesPerSession);
  EXPECT_EQ(basic.usage().contributions(), 1);
  EXPECT_EQ(basic.usage().content_bytes(), ContentBytesUsed(h.session()));
  EXPECT_FALSE(ListingOf(h.session()).has_usage());

  // During silent writing the byte count would tell others how long the sealed entries are.
  EngineHarness iv;
  ASSERT_OK(IntervisionAt(iv, "state_problem"));
  ASSERT_OK(iv.Add("m1", v1::CONTRIBUTION_KIND_ASSOCIATION, "A feeling of being stuck"));
  const v1::Session sealed = ProjectSession(iv.state(), Person("m2"), v1::SESSION_VIEW_BASIC);
  EXPECT_EQ(sealed.usage().content_bytes(), 0);
  EXPECT_GT(sealed.usage().contributions(), 0);
}

TEST(SessionLimits, ASessionFoldedBeforeUsageWasKeptIsRecounted) {
  EngineHarness h;
  ASSERT_OK(MeetingInOpening(h, *BuiltInProtocols().Find("case-management-meeting")));
  ASSERT_OK(h.Add("sup", v1::CONTRIBUTION_KIND_NOTE, Prose(1000)));
  ASSERT_OK(h.Advance("sup", "opening", "moving on"));
  ASSERT_OK(h.AddCheckIn("c1", "A family re-engaged", "Paperwork backlog"));
  const int64_t kept = h.session().usage().content_bytes();
  v1::SessionSnapshot old = h.state();
  old.mutable_session()->clear_usage();
  EXPECT_EQ(ContentBytesUsed(old.session()), kept);
  v1::SessionEvent next = h.log().back();
  next.set_sequence(old.session().version() + 1);
  const int64_t weight = ContentWeight(old.session(), next);
  ApplyInPlace(&old, next);
  EXPECT_EQ(old.session().usage().content_bytes(), kept + weight);
}

}  // namespace
}  // namespace casework::session::testing
