// S6: canary strings. Unique strings are planted in case data (reference, handover note, stage
// note, goal, indicator, measurement), action items (records and session) and contributions
// (public ones and sealed silent-writing advice); an intervision and a case-management meeting run
// to their end while other participants watch. Then every service's log (at debug level), every
// /metrics page, every Redis key name and the audit log are scanned: no canary may appear. Other
// viewers' WatchSession frames before the reveal must not carry the sealed advice. Positive
// controls show the canaries really were stored (Redis values, the SQLite file) and that the
// scans can see them (the author's own frames, frames after the reveal).
#include <cstdio>
#include <map>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/records/domain/proto_time.h"
#include "tests/notification/notification_test_support.h"
#include "tests/security/security_world.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;
using notification::testing::ReceivedFrame;
using notification::testing::WatchClient;
using records::ToProtoTime;
using Stub = v1::RecordsService::Stub;

// Letters only, so no identifying-information pattern (digits, @, dates) can refuse it.
std::string NewCanary(const std::string& where) {
  static std::mt19937_64 engine(absl::ToUnixNanos(absl::Now()));
  std::string canary = "canary" + where;
  for (int i = 0; i < 10; ++i) canary.push_back(static_cast<char>('a' + engine() % 26));
  return canary;
}

class Canaries {
 public:
  std::string Plant(const std::string& where) {
    planted_[where] = NewCanary(where);
    return planted_[where];
  }
  const std::map<std::string, std::string>& all() const { return planted_; }
  // Which canaries `text` contains.
  std::vector<std::string> Found(const std::string& text) const {
    std::vector<std::string> found;
    for (const auto& [where, canary] : planted_) {
      if (text.find(canary) != std::string::npos) found.push_back(where);
    }
    return found;
  }

 private:
  std::map<std::string, std::string> planted_;
};

void PlantRecords(Stub& records, Canaries& canaries) {
  const std::string team = "organizations/o1/teams/t1";
  v1::CreateCaseRequest create;
  create.set_parent(team);
  create.set_request_id(NewRequestId());
  create.mutable_case_()->set_reference(canaries.Plant("reference"));
  create.mutable_case_()->set_risk_level(v1::RISK_LEVEL_MEDIUM);
  create.mutable_case_()->set_caseworker(kCaseworker);
  v1::Case c;
  ASSERT_GRPC_OK(Call(records, &Stub::CreateCase, SupervisorToken(), create, &c));
  v1::UpdateCaseRequest update;
  *update.mutable_case_() = c;
  update.mutable_case_()->set_handover_note("Handover: " + canaries.Plant("handover"));
  update.mutable_update_mask()->add_paths("handover_note");
  update.set_request_id(NewRequestId());
  ASSERT_GRPC_OK(Call(records, &Stub::UpdateCase, CaseworkerToken(), update, &c));
  v1::AdvanceCaseStageRequest advance;
  advance.set_name(c.name());
  advance.set_direction(v1::STAGE_DIRECTION_FORWARD);
  advance.set_note("Contact built " + canaries.Plant("stagenote"));
  advance.set_etag(c.etag());
  advance.set_request_id(NewRequestId());
  ASSERT_GRPC_OK(Call(records, &Stub::AdvanceCaseStage, CaseworkerToken(), advance, &c));
  v1::CreateGoalRequest goal;
  goal.set_parent(c.name());
  goal.set_request_id(NewRequestId());
  goal.mutable_goal()->set_description("Goal " + canaries.Plant("goal"));
  goal.mutable_goal()->set_client_words("In their words " + canaries.Plant("clientwords"));
  v1::Goal created_goal;
  ASSERT_GRPC_OK(Call(records, &Stub::CreateGoal, CaseworkerToken(), goal, &created_goal));
  v1::CreateBenefitIndicatorRequest indicator;
  indicator.set_parent(c.name());
  indicator.set_request_id(NewRequestId());
  indicator.mutable_benefit_indicator()->set_description("Indicator " +
                                                         canaries.Plant("indicator"));
  indicator.mutable_benefit_indicator()->set_unit("score");
  v1::BenefitIndicator created_indicator;
  ASSERT_GRPC_OK(Call(records, &Stub::CreateBenefitIndicator, CaseworkerToken(), indicator,
                      &created_indicator));
  v1::RecordMeasurementRequest measure;
  measure.set_name(created_indicator.name());
  measure.set_request_id(NewRequestId());
  measure.mutable_measurement()->set_value(4);
  measure.mutable_measurement()->set_note("Observed " + canaries.Plant("measurement"));
  *measure.mutable_measurement()->mutable_measure_time() = ToProtoTime(absl::Now());
  measure.set_baseline(true);
  ASSERT_GRPC_OK(
      Call(records, &Stub::RecordMeasurement, CaseworkerToken(), measure, &created_indicator));
  v1::CreateActionItemRequest item;
  item.set_parent(team);
  item.set_request_id(NewRequestId());
  item.mutable_action_item()->set_owner(kCaseworker);
  item.mutable_action_item()->set_owner_role(v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
  item.mutable_action_item()->set_text("Call back " + canaries.Plant("actionitem"));
  *item.mutable_action_item()->mutable_due_time() = ToProtoTime(absl::Now() + absl::Hours(2));
  v1::ActionItem created_item;
  ASSERT_GRPC_OK(Call(records, &Stub::CreateActionItem, FacilitatorToken(), item, &created_item));
}

// An intervision (lobby done) with public contributions and one sealed advice; returns the
// sequence of the advice's reveal through `reveal_sequence`.
void RunIntervision(SessionDriver& s, Canaries& canaries, int64_t* reveal_sequence) {
  ASSERT_GRPC_OK(s.Start(kFacilitator));
  for (int guard = 0; guard < 20; ++guard) {
    const std::string step = s.Get(kFacilitator).current_phase().phase_id();
    if (step == "inventory") {
      ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_CASE_STATEMENT,
                           "A dilemma about limits " + canaries.Plant("casestatement")));
    } else if (step == "choose") {
      ASSERT_GRPC_OK(s.Assign(kFacilitator, "", kCaseworker));
    } else if (step == "state_problem") {
      ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_QUESTION,
                           "How do I say no to " + canaries.Plant("question") + "?"));
    } else if (step == "explore") {
      ASSERT_GRPC_OK(s.GiveTurn(kFacilitator, kMember));
      ASSERT_GRPC_OK(s.Add(kMember, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION,
                           "What happened first with " + canaries.Plant("clarifying") + "?"));
    } else if (step == "judge_advise") {
      ASSERT_GRPC_OK(s.Add(kMember, v1::CONTRIBUTION_KIND_ADVICE,
                           "Agree a limit in writing " + canaries.Plant("sealedadvice")));
      const std::string advice = s.last_contribution();
      ASSERT_GRPC_OK(s.GiveTurn(kFacilitator, kMember));
      ASSERT_GRPC_OK(s.Reveal(kFacilitator, {advice}));
      *reveal_sequence = s.last_sequence();
    } else if (step == "decide") {
      ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_DECISION,
                           "I will agree a limit " + canaries.Plant("decision")));
    } else if (step == "share") {
      ASSERT_GRPC_OK(s.Add(kOtherCaseworker, v1::CONTRIBUTION_KIND_EXPERIENCE,
                           "I had the same " + canaries.Plant("experience")));
    } else if (step == "evaluate") {
      ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_EVALUATION,
                           "Safe and specific " + canaries.Plant("evaluation")));
      break;
    }
    grpc::Status advanced = s.Advance(kFacilitator, step, "the group is done");
    if (ReasonOf(advanced) == "NO_NEXT_PHASE") break;
    ASSERT_TRUE(advanced.ok()) << step << ": " << advanced.error_message();
  }
  ASSERT_GRPC_OK(s.End(kFacilitator));
}

void RunCaseManagementMeeting(SessionDriver& s, Canaries& canaries) {
  ASSERT_GRPC_OK(s.Create(kSupervisor, "case-management-meeting"));
  ASSERT_GRPC_OK(
      s.Lobby(kSupervisor, kSupervisor, "", {kCaseworker, kOtherCaseworker, kFacilitator}));
  ASSERT_GRPC_OK(s.Start(kSupervisor));
  for (int guard = 0; guard < 10; ++guard) {
    const std::string phase = s.Get(kSupervisor).current_phase().phase_id();
    if (phase == "opening") {
      ASSERT_GRPC_OK(
          s.Add(kSupervisor, v1::CONTRIBUTION_KIND_NOTE, "Agenda " + canaries.Plant("note")));
    } else if (phase == "administrative") {
      ASSERT_GRPC_OK(s.CheckIn(kCaseworker, "Went well " + canaries.Plant("checkinsuccess"),
                               "Hard " + canaries.Plant("checkinchallenge")));
      ASSERT_GRPC_OK(s.CheckIn(kOtherCaseworker, "Fine", "Backlog"));
    } else if (phase == "closing") {
      ASSERT_GRPC_OK(s.Add(kSupervisor, v1::CONTRIBUTION_KIND_SUMMARY,
                           "Good meeting " + canaries.Plant("summary")));
      ASSERT_GRPC_OK(s.ActionItem(kSupervisor, "Update the plan " + canaries.Plant("sessionaction"),
                                  kCaseworker, v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER));
      break;
    }
    grpc::Status advanced = s.Advance(kSupervisor, phase, "time is up");
    ASSERT_TRUE(advanced.ok()) << phase << ": " << advanced.error_message();
  }
  ASSERT_GRPC_OK(s.End(kSupervisor));
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) absl::StrAppend(&out, out.empty() ? "" : ",", item);
  return out;
}

TEST(SecurityCanaries, PlantedStringsStayOutOfLogsMetricsKeysAndOtherViewersFrames) {
  const absl::Time began = absl::Now();
  auto stack = SecurityStack::Start();
  ASSERT_NE(stack, nullptr);
  SeedTeam(stack->records_stub(), kOrg);
  Canaries canaries;
  PlantRecords(stack->records_stub(), canaries);
  if (HasFatalFailure()) return;

  SessionDriver intervision(&stack->session_stub());
  ASSERT_GRPC_OK(intervision.Create(kFacilitator, "intervision"));
  ASSERT_GRPC_OK(intervision.Lobby(kFacilitator, kFacilitator, "",
                                   {kCaseworker, kOtherCaseworker, kMember, kSupervisor}));
  // Watchers from the start (replaying from sequence 0): two other viewers and the sealed advice's
  // author (control).
  std::map<std::string, std::unique_ptr<WatchClient>> watchers;
  for (const char* viewer : {kOtherCaseworker, kSupervisor, kCaseworker, kMember}) {
    watchers[viewer] = std::make_unique<WatchClient>(stack->notification_stub(),
                                                     PersonToken(viewer), intervision.name(), 0);
  }
  int64_t reveal_sequence = 0;
  RunIntervision(intervision, canaries, &reveal_sequence);
  if (HasFatalFailure()) return;
  ASSERT_GT(reveal_sequence, 0);
  SessionDriver meeting(&stack->session_stub());
  RunCaseManagementMeeting(meeting, canaries);
  if (HasFatalFailure()) return;
  // The streams end OK once the session's record is stored: the whole session has been written.
  for (auto& [viewer, watcher] : watchers) {
    grpc::Status ended = watcher->Wait();
    EXPECT_TRUE(ended.ok()) << viewer << ": " << ended.error_message();
  }

  const std::string sealed = canaries.all().at("sealedadvice");
  int frames_before_reveal = 0, leaked_frames = 0;
  bool author_saw = false, others_saw_after_reveal = true;
  for (auto& [viewer, watcher] : watchers) {
    bool saw_after = false;
    for (const ReceivedFrame& received : watcher->frames()) {
      const int64_t sequence = received.frame.has_resync() ? received.frame.resync().sequence()
                                                           : received.frame.event().sequence();
      const bool carries = received.frame.SerializeAsString().find(sealed) != std::string::npos;
      if (viewer == kMember) {
        author_saw = author_saw || (carries && sequence < reveal_sequence);
        continue;
      }
      if (sequence < reveal_sequence) {
        ++frames_before_reveal;
        if (carries) {
          ++leaked_frames;
          ADD_FAILURE() << viewer << " saw the sealed advice in frame " << sequence
                        << " before the reveal at " << reveal_sequence;
        }
      } else {
        saw_after = saw_after || carries;
      }
    }
    if (viewer != kMember) others_saw_after_reveal = others_saw_after_reveal && saw_after;
  }
  EXPECT_TRUE(author_saw) << "control: the author's own frames carry the sealed advice";
  EXPECT_TRUE(others_saw_after_reveal) << "control: the revealed advice reaches other viewers";

  // The sinks that must never carry them.
  int hits = 0;
  size_t log_bytes = 0;
  auto scan = [&](const std::string& sink, const std::string& text) {
    const std::vector<std::string> found = canaries.Found(text);
    hits += static_cast<int>(found.size());
    EXPECT_TRUE(found.empty()) << sink << " contains canaries: " << Join(found);
  };
  for (const ServiceProcess& service : stack->services()) {
    const std::string log = stack->Log(service);
    log_bytes += log.size();
    scan(service.name + " log", log);
    scan(service.name + " /metrics", stack->Metrics(service));
  }
  const std::vector<std::string> keys = stack->RedisKeys();
  std::string key_names, unscoped;
  for (const std::string& key : keys) {
    absl::StrAppend(&key_names, key, "\n");
    // Keys are scoped by organisation, except the documented cross-organisation indexes.
    if (!absl::StartsWith(key, "cw:o1:"))
      absl::StrAppend(&unscoped, unscoped.empty() ? "" : " ", key);
  }
  scan("Redis key names", key_names);
  v1::ListAuditEntriesRequest audit;
  audit.set_parent("organizations/o1");
  audit.set_page_size(1000);
  v1::ListAuditEntriesResponse entries;
  ASSERT_GRPC_OK(
      Call(stack->records_stub(), &Stub::ListAuditEntries, AuditorToken(), audit, &entries));
  scan("audit log", entries.SerializeAsString());

  // Controls: the canaries are stored where they belong.
  const std::string redis_values = stack->RedisDump();
  for (const char* where : {"casestatement", "sealedadvice", "sessionaction", "note"}) {
    EXPECT_NE(redis_values.find(canaries.all().at(where)), std::string::npos)
        << "control: " << where << " not in Redis values";
  }
  const std::string database = ReadFile(stack->database()) + ReadFile(stack->database() + "-wal");
  for (const char* where : {"handover", "goal", "actionitem"}) {
    EXPECT_NE(database.find(canaries.all().at(where)), std::string::npos)
        << "control: " << where << " not in the SQLite file";
  }

  std::printf(
      "FIGURE S6: %zu canaries (case data, action items, public and sealed contributions); %d "
      "hits in 3 logs (%zu bytes, debug level), 3 /metrics pages, %zu Redis key names and the "
      "audit log; %d of %d other viewers' frames before the reveal carried the sealed advice "
      "(%.1f s)\n",
      canaries.all().size(), hits, log_bytes, keys.size(), leaked_frames, frames_before_reveal,
      absl::ToDoubleSeconds(absl::Now() - began));
  std::printf("Redis keys not prefixed by an organisation: %s\n", unscoped.c_str());
  EXPECT_EQ(hits, 0);
  EXPECT_EQ(leaked_frames, 0);
}

}  // namespace
}  // namespace casework::testing
