// The proof that the default limits are small enough: sessions filled to them with the largest
// texts the rules allow, in the mixes that weigh most on each message — a team meeting of notes,
// check-ins, decisions and action items (the meeting record), a consultation whose ideas are each
// filed under ten case-owner questions (the most copies a record keeps), and a session of
// questions with ten references each (what only the live session holds) — then ended and
// measured: GetSession's FULL view, BuildSessionRecord, the CreateSessionRecord request and the
// record as the records service answers it (with its name, etag and action-item names). Each must
// stay within the session's counted content plus a small fixed part (header, phases), and under
// three quarters of gRPC's default 4 MiB message limit.
#include <cstdio>
#include <functional>

#include "absl/strings/str_cat.h"
#include "casework/v1/records_service.pb.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "libs/session_engine/outcome_builder.h"
#include "libs/session_engine/session_limits.h"
#include "libs/session_engine/session_projection.h"
#include "libs/session_engine/testing/bounded_sessions.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/errors.h"

namespace casework::session::testing {
namespace {

constexpr int64_t kGrpcDefaultLimit = 4 << 20;
constexpr int64_t kCeiling = kGrpcDefaultLimit / 4 * 3;
// What a session holds beyond its counted content: name, protocol, times, the phases with their
// titles and times, the exit criteria of the running phase, counters.
constexpr int64_t kFixedPart = 16 << 10;

// Adds entries of decreasing length until even a short one is refused for the session's limit.
void FillUntilRefused(const std::function<absl::Status(size_t)>& add) {
  for (size_t length : {4000, 400, 40}) {
    absl::Status added;
    while ((added = add(length)).ok()) {
    }
    ASSERT_REFUSED(added, kFailedPrecondition, "SESSION_LIMIT_REACHED");
  }
}

void MeasureEnded(const EngineHarness& h, absl::string_view mix, absl::string_view viewer) {
  ASSERT_EQ(h.session().state(), v1::SESSION_STATE_ENDED);
  const int64_t used = ContentBytesUsed(h.session());
  const auto size = [](const google::protobuf::Message& m) {
    return static_cast<int64_t>(m.ByteSizeLong());
  };
  const int64_t full = size(ProjectSession(h.state(), Person(viewer), v1::SESSION_VIEW_FULL));
  absl::StatusOr<v1::SessionRecord> record = BuildSessionRecord(h.state());
  ASSERT_TRUE(record.ok()) << record.status();
  v1::CreateSessionRecordRequest request;
  request.set_parent(h.session().team());
  *request.mutable_session_record() = *record;
  request.set_session_record_id("s1");
  request.set_request_id("s1");
  v1::SessionRecord stored = *record;  // as CreateSessionRecord answers
  stored.set_name(absl::StrCat(h.session().team(), "/sessionRecords/s1"));
  *stored.mutable_create_time() = ToTimestamp(h.now());
  stored.set_etag("\"v1-1893920400000000\"");
  for (int i = 0; i < stored.action_items_size(); ++i) {
    stored.mutable_action_items(i)->set_action_item(
        absl::StrCat(h.session().team(), "/actionItems/s1-", i + 1));
  }
  std::printf(
      "bounded session, %s: %d contributions, %lld content bytes counted; FULL view %lld, "
      "record %lld, CreateSessionRecord request %lld, stored record %lld bytes\n",
      std::string(mix).c_str(), h.session().contributions_size(), static_cast<long long>(used),
      static_cast<long long>(full), static_cast<long long>(size(*record)),
      static_cast<long long>(size(request)), static_cast<long long>(size(stored)));
  // Filled to within one entry (an idea with ten references weighs up to 8 KiB at 40 characters).
  EXPECT_GE(used, kMaxContentBytesPerSession - 8192) << "the session was not filled";
  for (int64_t measured : {full, size(*record), size(request), size(stored)}) {
    EXPECT_LE(measured, used + kFixedPart);
    EXPECT_LE(measured, kCeiling);
  }
}

TEST(SessionLimitsFill, AMeetingFullOfNotesCheckInsDecisionsAndActionItems) {
  EngineHarness h;
  ASSERT_OK(MeetingInOpening(h, *BuiltInProtocols().Find("case-management-meeting")));
  for (int i = 0; i < 150; ++i) ASSERT_OK(h.Add("sup", v1::CONTRIBUTION_KIND_NOTE, Prose(4000)));
  ASSERT_OK(h.Advance("sup", "opening"));
  ASSERT_OK(h.AddCheckIn("c1", Prose(2000), Prose(2000)));
  ASSERT_OK(h.AddCheckIn("c2", Prose(2000), Prose(2000)));
  for (int i = 0; i < 150; ++i) ASSERT_OK(h.Add("c1", v1::CONTRIBUTION_KIND_NOTE, Prose(4000)));
  ASSERT_OK(h.Advance("sup", "administrative"));
  for (int i = 0; i < 150; ++i) {
    ASSERT_OK(h.Add("sup", v1::CONTRIBUTION_KIND_DECISION, Prose(4000)));
  }
  ASSERT_OK(h.Advance("sup", "development"));
  ASSERT_OK(h.Advance("sup", "supportive"));
  ASSERT_OK(h.Add("sup", v1::CONTRIBUTION_KIND_SUMMARY, Prose(4000)));
  FillUntilRefused([&](size_t length) {
    return h.AddActionItem("sup", Prose(length), "c1", v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER,
                           absl::Hours(72));
  });
  ASSERT_OK(h.End("sup"));
  MeasureEnded(h, "team meeting", "c2");
}

// One phase where everything that multiplies in the record is allowed without a per-phase cap.
v1::ProtocolTemplate WorstCase() {
  v1::ProtocolTemplate protocol;
  const bool parsed = google::protobuf::TextFormat::ParseFromString(
      R"pb(
        id: "worst-case"
        title: "Everything the record copies"
        category: PROTOCOL_CATEGORY_CASE_CONSULTATION
        participant_limits { min_members: 1 }
        role_rules {
          required_at_start: [ SESSION_ROLE_FACILITATOR, SESSION_ROLE_CASE_OWNER ]
          facilitator_differs_from_case_owner: true
        }
        agreements {
          agreement: AGREEMENT_CONFIDENTIALITY
          title: "Confidentiality"
          text: "Stays here."
        }
        content_checks {
          closed_question_mode: CHECK_MODE_OFF
          advice_question_mode: CHECK_MODE_OFF
          identifying_information_mode: CHECK_MODE_BLOCK
        }
        phases {
          id: "everything"
          title: "Everything at once"
          timebox { planned { seconds: 3600 } }
          permissions {
            role: SESSION_ROLE_CASE_OWNER
            kinds: [
              CONTRIBUTION_KIND_QUESTION,
              CONTRIBUTION_KIND_COMMENT,
              CONTRIBUTION_KIND_DECISION
            ]
          }
          permissions { role: SESSION_ROLE_CASE_OWNER respond_to_hypotheses: true }
          permissions {
            role: SESSION_ROLE_MEMBER
            kinds: CONTRIBUTION_KIND_IDEA
            reference_rule {
              requirement: REFERENCE_REQUIREMENT_REQUIRED
              target_kinds: CONTRIBUTION_KIND_QUESTION
              max_references: 10
            }
          }
          permissions { role: SESSION_ROLE_MEMBER kinds: CONTRIBUTION_KIND_HYPOTHESIS }
          permissions {
            role: SESSION_ROLE_FACILITATOR
            kinds: CONTRIBUTION_KIND_CLARIFYING_QUESTION
            reference_rule { requirement: REFERENCE_REQUIREMENT_OPTIONAL max_references: 10 }
          }
        }
      )pb",
      &protocol);
  EXPECT_TRUE(parsed);
  return protocol;
}

absl::Status WorstCaseStarted(EngineHarness& h) {
  if (absl::Status s = h.CreateCustom(WorstCase()); !s.ok()) return s;
  if (absl::Status s = h.SetUpLobby("f", "o", {"m1", "m2"}); !s.ok()) return s;
  return h.Start("f");
}

TEST(SessionLimitsFill, IdeasFiledUnderTenQuestionsEach) {
  EngineHarness h;
  ASSERT_OK(WorstCaseStarted(h));
  std::vector<std::string> questions;
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, Prose(4000)));
    questions.push_back(h.LastContribution());
  }
  for (int i = 0; i < 40; ++i) {
    ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, Prose(4000)));
    ASSERT_OK(h.Respond("o", h.LastContribution(), v1::HYPOTHESIS_RESPONSE_AGREE, Prose(2000)));
    ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_COMMENT, Prose(4000)));
    ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_DECISION, Prose(4000)));
  }
  FillUntilRefused([&](size_t length) {
    return h.Add("m2", v1::CONTRIBUTION_KIND_IDEA, Prose(length), questions);
  });
  ASSERT_EQ(h.session().case_owner_questions_size(), 10);
  ASSERT_OK(h.End("f"));
  MeasureEnded(h, "ideas under ten questions", "m1");
}

TEST(SessionLimitsFill, QuestionsWithTenReferencesEach) {
  EngineHarness h;
  ASSERT_OK(WorstCaseStarted(h));
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(h.Add("f", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, Prose(100)));
  }
  FillUntilRefused([&](size_t length) {
    const auto& all = h.session().contributions();
    std::vector<std::string> last_ten;
    for (int i = all.size() - 10; i < all.size(); ++i) last_ten.push_back(all.Get(i).name());
    return h.Add("f", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, Prose(length), last_ten);
  });
  ASSERT_OK(h.End("f"));
  MeasureEnded(h, "questions with ten references", "o");
}

}  // namespace
}  // namespace casework::session::testing
