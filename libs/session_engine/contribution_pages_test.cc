// ListContributions' pages: every contribution exactly once and in order, projected exactly as
// GetSession projects it; filters; pages that end at about 1 MiB; tokens that only open for the
// request they were issued for.
#include "libs/session_engine/contribution_pages.h"

#include <functional>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "libs/session_engine/session_projection.h"
#include "libs/session_engine/testing/bounded_sessions.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/status/errors.h"

namespace casework::session::testing {
namespace {

using google::protobuf::util::MessageDifferencer;

v1::ListContributionsRequest Request(int page_size = 0) {
  v1::ListContributionsRequest request;
  request.set_parent(std::string(kSessionName));
  request.set_page_size(page_size);
  return request;
}

// Every page from the first, as `viewer` reads them; fails the test on an error.
std::vector<v1::Contribution> ReadAll(const EngineHarness& h, absl::string_view viewer,
                                      v1::ListContributionsRequest request, int* pages = nullptr) {
  std::vector<v1::Contribution> all;
  int read = 0;
  do {
    absl::StatusOr<v1::ListContributionsResponse> page =
        ListContributionsPage(h.state(), Person(viewer), request);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    EXPECT_EQ(page->last_sequence(), h.session().version());
    all.insert(all.end(), page->contributions().begin(), page->contributions().end());
    request.set_page_token(page->next_page_token());
    ++read;
  } while (!request.page_token().empty() && read < 1000);
  if (pages != nullptr) *pages = read;
  return all;
}

void ExpectFieldInvalid(const absl::StatusOr<v1::ListContributionsResponse>& page,
                        absl::string_view field) {
  ASSERT_REFUSED(page.status(), kInvalidArgument, "FIELD_INVALID");
  const auto bad_request = GetBadRequest(page.status());
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 1);
  EXPECT_EQ(bad_request->field_violations(0).field(), field);
}

TEST(ListContributions, PagesHoldEveryContributionOnceInOrderAsGetSessionShowsIt) {
  EngineHarness h;
  ASSERT_OK(IntervisionAt(h, "state_problem"));
  ASSERT_OK(h.Add("g", v1::CONTRIBUTION_KIND_CASE_STATEMENT, "The facts of the case"));
  for (int i = 0; i < 4; ++i) {
    for (const char* member : {"m1", "m2", "m3"}) {
      ASSERT_OK(h.Add(member, v1::CONTRIBUTION_KIND_ASSOCIATION, "A feeling of being stuck"));
    }
  }
  for (const char* viewer : {"m1", "m2", "g", "f"}) {
    SCOPED_TRACE(viewer);
    int pages = 0;
    const std::vector<v1::Contribution> listed = ReadAll(h, viewer, Request(5), &pages);
    const v1::Session full = ProjectSession(h.state(), Person(viewer), v1::SESSION_VIEW_FULL);
    ASSERT_EQ(static_cast<int>(listed.size()), full.contributions_size());
    EXPECT_EQ(pages, (full.contributions_size() + 4) / 5);
    int withheld = 0;
    for (size_t i = 0; i < listed.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(listed[i], full.contributions(static_cast<int>(i))));
      withheld += listed[i].content_withheld();
      if (listed[i].content_withheld()) {
        EXPECT_TRUE(listed[i].text().empty());
      }
    }
    // Each member sees their own four associations; everyone else's are withheld.
    EXPECT_EQ(withheld, std::string(viewer)[0] == 'm' ? 8 : 12);
  }
}

TEST(ListContributions, FiltersByKindAndPhase) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "hypotheses"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, "Loyalty conflict"));
  ASSERT_OK(h.Add("f", v1::CONTRIBUTION_KIND_NOTE, "Two views so far"));
  ASSERT_OK(h.Add("m2", v1::CONTRIBUTION_KIND_HYPOTHESIS, "Fear of failure"));
  v1::ListContributionsRequest hypotheses = Request(1);
  hypotheses.add_kinds(v1::CONTRIBUTION_KIND_HYPOTHESIS);
  const std::vector<v1::Contribution> found = ReadAll(h, "m3", hypotheses);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].text(), "Loyalty conflict");
  EXPECT_EQ(found[1].text(), "Fear of failure");
  v1::ListContributionsRequest in_phase = Request();
  in_phase.set_phase_id("case_description");
  for (const v1::Contribution& c : ReadAll(h, "m3", in_phase)) {
    EXPECT_EQ(c.phase_id(), "case_description");
  }
  in_phase.set_phase_id("hypotheses");
  EXPECT_EQ(ReadAll(h, "m3", in_phase).size(), 3u);
}

TEST(ListContributions, APageEndsAtAboutOneMebibyte) {
  EngineHarness h;
  ASSERT_OK(MeetingInOpening(h, *BuiltInProtocols().Find("case-management-meeting")));
  for (int i = 0; i < 400; ++i) ASSERT_OK(h.Add("sup", v1::CONTRIBUTION_KIND_NOTE, Prose(4000)));
  absl::StatusOr<v1::ListContributionsResponse> first =
      ListContributionsPage(h.state(), Person("c1"), Request(1000));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_LT(first->contributions_size(), 400);
  EXPECT_LE(first->ByteSizeLong(), kMaxContributionPageBytes + 8192);
  EXPECT_FALSE(first->next_page_token().empty());
  EXPECT_EQ(ReadAll(h, "c1", Request(1000)).size(), 400u);
}

TEST(ListContributions, RefusesWhatItDidNotIssue) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "How did it start?"));
  }
  absl::StatusOr<v1::ListContributionsResponse> first =
      ListContributionsPage(h.state(), Person("m1"), Request(2));
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string token = first->next_page_token();
  ASSERT_FALSE(token.empty());
  const std::vector<std::function<void(v1::ListContributionsRequest&)>> tampered = {
      [](auto& r) { r.set_page_token("not-a-token"); },
      [](auto& r) { r.set_page_token("YzEuOTkuMA"); },  // "c1.99.0": unbound and out of range
      [&](auto& r) { r.set_page_token(token + "x"); },
      [&](auto& r) {
        r.set_page_token(token);
        r.add_kinds(v1::CONTRIBUTION_KIND_NOTE);
      },
      [&](auto& r) {
        r.set_page_token(token);
        r.set_phase_id("questions");
      },
      [&](auto& r) {
        r.set_page_token(token);
        r.set_parent(r.parent() + "x");
      },
  };
  for (size_t i = 0; i < tampered.size(); ++i) {
    SCOPED_TRACE(i);
    v1::ListContributionsRequest request = Request(2);
    tampered[i](request);
    ExpectFieldInvalid(ListContributionsPage(h.state(), Person("m1"), request), "page_token");
  }
  v1::ListContributionsRequest next = Request(2);
  next.set_page_token(token);
  EXPECT_TRUE(ListContributionsPage(h.state(), Person("m1"), next).ok());
  ExpectFieldInvalid(ListContributionsPage(h.state(), Person("m1"), Request(-1)), "page_size");
  v1::ListContributionsRequest unknown_phase = Request();
  unknown_phase.set_phase_id("no-such-phase");
  ExpectFieldInvalid(ListContributionsPage(h.state(), Person("m1"), unknown_phase), "phase_id");
  v1::ListContributionsRequest no_kind = Request();
  no_kind.add_kinds(v1::CONTRIBUTION_KIND_UNSPECIFIED);
  ExpectFieldInvalid(ListContributionsPage(h.state(), Person("m1"), no_kind), "kinds[0]");
}

}  // namespace
}  // namespace casework::session::testing
