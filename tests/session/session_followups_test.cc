// Acknowledged means complete (issue 17, D1 for follow-ups): casework-session is killed -9 right
// after it acknowledged CreateSession, StartSession, AdvancePhase and EndSession, and restarted.
// Whatever the acknowledgement implied must be there: the created session is listed in its team,
// every started phase gets its time warning and overrun exactly once, the ended session's record
// is stored exactly once. Two rounds here; 20 with CASEWORK_LONG=1 (script/faults).
#include <signal.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/figures.h"
#include "libs/testing/process.h"
#include "tests/kit_test_support.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;
using v1::SessionEvent;

// The binary on one port, killed -9 and started again on demand.
class KilledService {
 public:
  KilledService(SessionStack& stack, int port) : stack_(stack), port_(port) { Start(); }
  v1::SessionService::Stub& stub() { return *stub_; }
  // Kills the process at a random instant within a millisecond of now, and starts it again.
  void KillAndRestart() {
    std::uniform_int_distribution<int> micros(0, 1000);
    absl::SleepFor(absl::Microseconds(micros(random_)));  // the instant, not synchronisation
    (*child_)->Signal(SIGKILL);
    ASSERT_TRUE((*child_)->WaitForExit(absl::Seconds(10)).has_value());
    ++kills_;
    Start();
  }
  int kills() const { return kills_; }

 private:
  void Start() {
    child_ = stack_.StartBinary(port_);
    ASSERT_TRUE(child_.ok()) << child_.status();
    auto channel = LoopbackChannel(port_);
    ASSERT_TRUE(channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(20))));
    ASSERT_TRUE(WaitUntilServing(channel, "casework.v1.SessionService", absl::Seconds(20)));
    stub_ = v1::SessionService::NewStub(channel);
  }
  SessionStack& stack_;
  const int port_;
  absl::StatusOr<std::unique_ptr<ChildProcess>> child_ = nullptr;
  std::unique_ptr<v1::SessionService::Stub> stub_;
  std::mt19937 random_{std::random_device{}()};
  int kills_ = 0;
};

int Count(const std::vector<SessionEvent>& events, SessionEvent::PayloadCase kind,
          const std::string& phase = "") {
  int n = 0;
  for (const SessionEvent& e : events) {
    if (e.payload_case() != kind) continue;
    if (!phase.empty() && kind == SessionEvent::kPhaseTimeWarning &&
        e.phase_time_warning().phase_id() != phase) {
      continue;
    }
    if (!phase.empty() && kind == SessionEvent::kPhaseOverrun &&
        e.phase_overrun().phase_id() != phase) {
      continue;
    }
    ++n;
  }
  return n;
}

// Polls the timeline until the phase's overrun is in (its warning comes first) or `limit` passes.
std::vector<SessionEvent> AwaitOverrun(SessionDriver& s, const std::string& phase,
                                       absl::Duration limit) {
  const absl::Time give_up = absl::Now() + limit;
  std::vector<SessionEvent> events = s.Events(kFacilitator);
  while (Count(events, SessionEvent::kPhaseOverrun, phase) == 0 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(100));  // polling interval, not synchronisation
    events = s.Events(kFacilitator);
  }
  return events;
}

bool Listed(v1::SessionService::Stub& stub, const std::string& name) {
  v1::ListSessionsRequest list;
  list.set_parent(kTeamName);
  list.set_page_size(1000);
  v1::ListSessionsResponse listed;
  grpc::Status status =
      stub.ListSessions(ContextWithToken(PersonToken(kFacilitator)).get(), list, &listed);
  EXPECT_TRUE(status.ok()) << status.error_message();
  for (const v1::Session& session : listed.sessions()) {
    if (session.name() == name) return true;
  }
  return false;
}

TEST(SessionFollowUps, KillNineRightAfterAnAcknowledgementLosesNothingItImplied) {
  const int rounds = LongForm() ? 20 : 2;
  SessionStack::Options options;
  options.replicas = 0;
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  KilledService service(*stack, FreeTcpPort());
  if (HasFatalFailure()) return;
  int listed = 0, warned = 0, overran = 0, recorded = 0;
  const absl::Time began = absl::Now();
  for (int round = 0; round < rounds; ++round) {
    SessionDriver s(&service.stub());
    v1::Session requested;  // every phase 10 s (the shortest allowed), warned after 1 s
    requested.mutable_timing_overrides()->mutable_default_timebox()->set_seconds(10);
    requested.mutable_timing_overrides()->mutable_time_warning_lead()->set_seconds(9);
    ASSERT_GRPC_OK(s.Create(kFacilitator, "balint-consultation", requested));
    service.KillAndRestart();
    s.set_stub(&service.stub());
    EXPECT_TRUE(Listed(service.stub(), s.name())) << "round " << round << ": not listed";
    listed += Listed(service.stub(), s.name()) ? 1 : 0;

    ASSERT_GRPC_OK(
        s.Lobby(kFacilitator, kFacilitator, kCaseworker, {kOtherCaseworker, kMember, kSupervisor}));
    ASSERT_GRPC_OK(s.Start(kFacilitator));
    service.KillAndRestart();
    s.set_stub(&service.stub());
    std::vector<SessionEvent> events = AwaitOverrun(s, "case_description", absl::Seconds(25));
    EXPECT_EQ(Count(events, SessionEvent::kPhaseTimeWarning, "case_description"), 1);
    EXPECT_EQ(Count(events, SessionEvent::kPhaseOverrun, "case_description"), 1);
    warned += Count(events, SessionEvent::kPhaseTimeWarning, "case_description");
    overran += Count(events, SessionEvent::kPhaseOverrun, "case_description");

    ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_QUESTION, "How do I go on?"));
    ASSERT_GRPC_OK(s.Advance(kFacilitator, "case_description"));
    service.KillAndRestart();
    s.set_stub(&service.stub());
    events = AwaitOverrun(s, "questions", absl::Seconds(25));
    EXPECT_EQ(Count(events, SessionEvent::kPhaseTimeWarning, "questions"), 1);
    EXPECT_EQ(Count(events, SessionEvent::kPhaseOverrun, "questions"), 1);
    warned += Count(events, SessionEvent::kPhaseTimeWarning, "questions");
    overran += Count(events, SessionEvent::kPhaseOverrun, "questions");

    ASSERT_GRPC_OK(s.End(kFacilitator, "the round is over"));
    service.KillAndRestart();
    s.set_stub(&service.stub());
    const absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (s.Get(kFacilitator).session_record().empty() && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(100));  // polling interval, not synchronisation
    }
    events = s.Events(kFacilitator);
    EXPECT_EQ(Count(events, SessionEvent::kSessionRecordStored), 1) << "round " << round;
    v1::GetSessionRecordRequest get;
    get.set_name(s.Get(kFacilitator).session_record());
    v1::SessionRecord record;
    grpc::Status stored = Call(stack->records().stub(), &v1::RecordsService::Stub::GetSessionRecord,
                               FacilitatorToken(kOrg), get, &record);
    EXPECT_TRUE(stored.ok()) << "round " << round << ": " << stored.error_message();
    recorded += stored.ok() ? 1 : 0;
  }
  // Stored once: the records service holds one record per ended session.
  v1::ListSessionRecordsRequest list;
  list.set_parent(kTeamName);
  list.set_page_size(1000);
  v1::ListSessionRecordsResponse records;
  ASSERT_GRPC_OK(Call(stack->records().stub(), &v1::RecordsService::Stub::ListSessionRecords,
                      FacilitatorToken(kOrg), list, &records));
  EXPECT_EQ(records.session_records_size(), rounds);
  PrintFigure("D1-follow-ups",
              absl::StrCat(service.kills(), " kill -9 of casework-session right after an OK (",
                           rounds, " rounds of Create, Start, Advance, End) in ",
                           absl::FormatDuration(absl::Trunc(absl::Now() - began, absl::Seconds(1))),
                           ": ", listed, "/", rounds, " created sessions listed, ", warned, "/",
                           2 * rounds, " warnings and ", overran, "/", 2 * rounds,
                           " overruns exactly once, ", recorded, "/", rounds, " records stored (",
                           records.session_records_size(), " in records)"));
}

}  // namespace
}  // namespace casework::testing
