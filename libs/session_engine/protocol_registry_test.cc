// The protocol files: the four built-in templates load with the phases, timeboxes and guidance
// the methods prescribe, and a bad file fails with its name, line and reason.
#include "libs/session_engine/protocol_registry.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"
#include "libs/session_engine/time_util.h"

namespace casework::session::testing {
namespace {

std::vector<std::pair<std::string, int>> PhaseMinutes(const v1::ProtocolTemplate& protocol) {
  std::vector<std::pair<std::string, int>> out;
  for (const v1::PhaseTemplate& phase : protocol.phases()) {
    out.emplace_back(phase.id(),
                     static_cast<int>(absl::ToInt64Minutes(ToDuration(phase.timebox().planned()))));
  }
  return out;
}

TEST(BuiltInProtocols, LoadWithRevisions) {
  const ProtocolRegistry& registry = BuiltInProtocols();
  ASSERT_EQ(registry.protocols().size(), 4u);
  for (const v1::ProtocolTemplate& protocol : registry.protocols()) {
    EXPECT_EQ(protocol.revision().size(), 17u) << protocol.id();
    EXPECT_EQ(protocol.revision(), ProtocolRevision(protocol));
    for (const v1::PhaseTemplate& phase : protocol.phases()) {
      if (!phase.segment_slot()) {
        EXPECT_FALSE(phase.guidance().empty()) << phase.id();
      }
    }
  }
}

TEST(BuiltInProtocols, BalintHasSixPhasesWithTheSeedsTimeboxes) {
  const v1::ProtocolTemplate& balint = *BuiltInProtocols().Find("balint-consultation");
  EXPECT_EQ(PhaseMinutes(balint),
            (std::vector<std::pair<std::string, int>>{{"case_description", 15},
                                                      {"questions", 15},
                                                      {"hypotheses", 15},
                                                      {"feedback", 5},
                                                      {"ideas", 15},
                                                      {"comments", 15}}));
  EXPECT_EQ(balint.participant_limits().min_members(), 3);
  EXPECT_EQ(balint.participant_limits().max_members(), 10);
  EXPECT_TRUE(absl::StrContains(balint.phases(2).guidance(), "All hypotheses are allowed"));
  EXPECT_TRUE(balint.phases(2).case_owner_silent());
  EXPECT_TRUE(balint.phases(4).case_owner_silent());
}

TEST(BuiltInProtocols, IntervisionHasEightStepsWithTheirMinutes) {
  const v1::ProtocolTemplate& intervision = *BuiltInProtocols().Find("intervision");
  EXPECT_EQ(PhaseMinutes(intervision),
            (std::vector<std::pair<std::string, int>>{{"inventory", 10},
                                                      {"choose", 10},
                                                      {"state_problem", 5},
                                                      {"explore", 20},
                                                      {"judge_advise", 20},
                                                      {"decide", 10},
                                                      {"share", 15},
                                                      {"evaluate", 5}}));
  EXPECT_TRUE(intervision.role_rules().facilitator_differs_from_case_owner());
  EXPECT_TRUE(intervision.role_rules().rotate_facilitator());
  EXPECT_TRUE(intervision.role_rules().rotate_case_owner());
  EXPECT_EQ(intervision.phases(2).visibility(), v1::PHASE_VISIBILITY_SEALED_UNTIL_REVEAL);
  EXPECT_EQ(intervision.phases(4).visibility(), v1::PHASE_VISIBILITY_SEALED_UNTIL_REVEAL);
  EXPECT_TRUE(intervision.phases(3).turn_taking());
  EXPECT_EQ(intervision.phases(7).prompts_size(), 7);
}

TEST(BuiltInProtocols, TheExtendedMeetingIsTheMeetingPlusOneSegment) {
  const v1::ProtocolTemplate& meeting = *BuiltInProtocols().Find("case-management-meeting");
  const v1::ProtocolTemplate& extended =
      *BuiltInProtocols().Find("extended-case-management-meeting");
  ASSERT_EQ(meeting.phases_size(), 5);
  ASSERT_EQ(extended.phases_size(), 6);
  int j = 0;
  for (const v1::PhaseTemplate& phase : extended.phases()) {
    if (phase.segment_slot()) continue;
    EXPECT_EQ(phase.SerializeAsString(), meeting.phases(j++).SerializeAsString()) << phase.id();
  }
  EXPECT_EQ(extended.segment_options_size(), 3);
  EXPECT_TRUE(meeting.phases(1).attach_case_load_review());
  EXPECT_EQ(meeting.content_checks().SerializeAsString(),
            extended.content_checks().SerializeAsString());
}

const char kMinimal[] = R"pb(
  id: "tiny"
  title: "Tiny"
  category: PROTOCOL_CATEGORY_CASE_CONSULTATION
  participant_limits {}
  role_rules {}
  content_checks {
    closed_question_mode: CHECK_MODE_OFF
    advice_question_mode: CHECK_MODE_OFF
    identifying_information_mode: CHECK_MODE_OFF
  }
  phases {
    id: "only"
    title: "Only"
    timebox { planned { seconds: 600 } }
    permissions { role: SESSION_ROLE_MEMBER kinds: CONTRIBUTION_KIND_NOTE }
  }
)pb";

TEST(ProtocolFiles, AMinimalTemplateParses) {
  auto parsed = ProtocolRegistry::ParseTemplate("tiny.textproto", kMinimal);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_FALSE(parsed->revision().empty());
}

struct BadFile {
  const char* what;
  const char* from;  // replaced in kMinimal ...
  const char* to;    // ... by this
  int line;          // expected line of the error
  const char* reason;
};

const BadFile kBadFiles[] = {
    {"syntax", "title: \"Only\"", "title: Only\"", 14, "Expected"},
    {"unknown field", "title: \"Tiny\"", "titel: \"Tiny\"", 3, "titel"},
    {"zero timebox", "seconds: 600", "seconds: 0", 15, "planned: must be positive"},
    {"duplicate phase id",
     "permissions { role: SESSION_ROLE_MEMBER kinds: CONTRIBUTION_KIND_NOTE }\n  }",
     "permissions { role: SESSION_ROLE_MEMBER kinds: CONTRIBUTION_KIND_NOTE }\n  }\n  phases { id: "
     "\"only\" title: \"Again\" timebox { planned { seconds: 60 } } }",
     18, "used by an earlier phase"},
    {"unspecified kind", "kinds: CONTRIBUTION_KIND_NOTE", "kinds: CONTRIBUTION_KIND_UNSPECIFIED",
     16, "kinds[0]: must be a contribution kind"},
    {"unknown enum number", "kinds: CONTRIBUTION_KIND_NOTE", "kinds: 77", 16, "kinds"},
    {"silent case owner granted", "role: SESSION_ROLE_MEMBER",
     "role: SESSION_ROLE_CASE_OWNER }\n"
     "    case_owner_silent: true\n    permissions { role: SESSION_ROLE_CASE_OWNER",
     16, "case owner is silent"},
    {"criterion the phase cannot meet", "    timebox {",
     "    exit_criteria { id: \"q\" description: \"d\" contribution_count { kind: "
     "CONTRIBUTION_KIND_QUESTION min_count: 1 } }\n    timebox {",
     15, "no permission of this phase"},
    {"check without patterns", "closed_question_mode: CHECK_MODE_OFF",
     "closed_question_mode: CHECK_MODE_WARN", 7, "need an \"en\" entry"},
    {"bad regex", "identifying_information_mode: CHECK_MODE_OFF",
     "identifying_information_mode: CHECK_MODE_OFF\n    extra_identifying_patterns { kind: "
     "IDENTIFYING_INFORMATION_KIND_OTHER regex: \"(\" }",
     11, "not valid RE2"},
    {"lead not shorter than timebox", "role_rules {}",
     "role_rules {}\n  time_warning_lead { seconds: 600 }", 16,
     "longer than the time-warning lead"},
};

TEST(ProtocolFiles, ABadFileFailsWithNameLineAndReason) {
  for (const BadFile& bad : kBadFiles) {
    SCOPED_TRACE(bad.what);
    const std::string text = absl::StrReplaceAll(kMinimal, {{bad.from, bad.to}});
    ASSERT_NE(text, kMinimal);
    const absl::Status status = ProtocolRegistry::ParseTemplate("bad.textproto", text).status();
    EXPECT_REFUSED(status, kInvalidArgument, "PROTOCOL_INVALID");
    EXPECT_TRUE(
        absl::StartsWith(status.message(), "bad.textproto:" + std::to_string(bad.line) + ":"))
        << status.message();
    EXPECT_TRUE(absl::StrContains(status.message(), bad.reason)) << status.message();
  }
}

class ProtocolDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("protocols-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(ProtocolDirectory, TheIdMustBeTheFileName) {
  Write("other.textproto", kMinimal);
  const absl::Status status = ProtocolRegistry::LoadDirectory(dir_.string()).status();
  EXPECT_REFUSED(status, kInvalidArgument, "PROTOCOL_INVALID");
  EXPECT_TRUE(absl::StrContains(status.message(), "other.textproto:2:")) << status.message();
}

TEST_F(ProtocolDirectory, CaseDiscussionsNameLoadedProtocols) {
  for (const char* name : {"case-management-meeting", "extended-case-management-meeting"}) {
    std::ifstream in(ProtocolsDirectory() + "/" + name + ".textproto");
    std::stringstream text;
    text << in.rdbuf();
    Write(std::string(name) + ".textproto", text.str());
  }
  const absl::Status status = ProtocolRegistry::LoadDirectory(dir_.string()).status();
  EXPECT_REFUSED(status, kInvalidArgument, "PROTOCOL_INVALID");
  EXPECT_TRUE(absl::StrContains(status.message(), "\"balint-consultation\" is not a loaded"))
      << status.message();
}

TEST(ProtocolFiles, FillsTheCreateFacts) {
  v1::CreateSessionRequest request;
  request.mutable_session()->set_protocol_id("extended-case-management-meeting");
  request.mutable_session()->mutable_extended_segment()->set_case_discussion_protocol_id(
      "intervision");
  v1::CommandFacts facts;
  ASSERT_OK(BuiltInProtocols().FillCreateFacts(request, &facts));
  EXPECT_EQ(facts.case_discussion_protocol().id(), "intervision");
  request.mutable_session()->set_protocol_id("nope");
  EXPECT_REFUSED(BuiltInProtocols().FillCreateFacts(request, &facts), kNotFound,
                 "RESOURCE_NOT_FOUND");
}

}  // namespace
}  // namespace casework::session::testing
