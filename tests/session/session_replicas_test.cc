// The session service's promises across processes: two replicas racing on one session append a
// contiguous log with every acknowledged command exactly once; kill -9 of the service loses no
// acknowledged event; phase timers fire exactly once with two replicas and across a restart; a
// replica deciding on the state it last appended (no snapshot load) answers exactly like one that
// loads, when another replica moved the session on meanwhile.
#include <hiredis/hiredis.h>
#include <signal.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/process.h"
#include "services/session/engine/time_util.h"
#include "tests/kit_test_support.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::SessionEvent;

// A Balint consultation in its questions phase, where every member may ask.
void BalintInQuestions(SessionDriver& s) {
  ASSERT_GRPC_OK(s.Create(kFacilitator, "balint-consultation"));
  ASSERT_GRPC_OK(
      s.Lobby(kFacilitator, kFacilitator, kCaseworker, {kOtherCaseworker, kMember, kSupervisor}));
  ASSERT_GRPC_OK(s.Start(kFacilitator));
  ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_QUESTION, "How do I go on?"));
  ASSERT_GRPC_OK(s.Advance(kFacilitator, "case_description"));
}

// How often Redis has run `command` since it started (INFO commandstats).
int64_t RedisCalls(int port, const std::string& command) {
  redisContext* context = redisConnect("127.0.0.1", port);
  if (context == nullptr || context->err != 0) return -1;
  auto* reply = static_cast<redisReply*>(redisCommand(context, "INFO commandstats"));
  int64_t calls = 0;
  if (reply != nullptr && reply->type == REDIS_REPLY_STRING) {
    const std::string text(reply->str, reply->len);
    const std::string key = absl::StrCat("cmdstat_", command, ":calls=");
    const size_t at = text.find(key);
    if (at != std::string::npos) calls = std::stoll(text.substr(at + key.size()));
  }
  freeReplyObject(reply);
  redisFree(context);
  return calls;
}

void ExpectContiguous(const std::vector<SessionEvent>& events) {
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].sequence(), static_cast<int64_t>(i + 1)) << "gap or duplicate at " << i;
  }
}

TEST(SessionReplicas, TwoReplicasRacingOnOneSessionKeepTheLogContiguous) {
  SessionStack::Options options;
  options.replicas = 2;
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  SessionDriver setup(&stack->stub(0));
  BalintInQuestions(setup);
  if (HasFatalFailure()) return;

  constexpr int kWriters = 4;
  constexpr int kEach = 25;
  std::atomic<int> acknowledged{0};
  std::atomic<int> aborted{0};
  std::vector<std::thread> writers;
  std::mutex mu;
  std::set<int64_t> sequences;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      SessionDriver s(&stack->stub(w % 2));  // half the writers on each replica
      s.set_name(setup.name());
      const char* who = (w % 2 == 0) ? kMember : kOtherCaseworker;
      for (int i = 0; i < kEach; ++i) {
        grpc::Status added = s.Add(who, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION,
                                   absl::StrCat("How ", w, "-", i, "?"));
        if (added.ok()) {
          ++acknowledged;
          std::lock_guard<std::mutex> lock(mu);
          EXPECT_TRUE(sequences.insert(s.last_sequence()).second) << "two commands, one sequence";
        } else {
          EXPECT_EQ(added.error_code(), grpc::StatusCode::ABORTED) << added.error_message();
          ++aborted;
        }
      }
    });
  }
  for (std::thread& t : writers) t.join();
  const std::vector<SessionEvent> events = setup.Events(kFacilitator);
  ExpectContiguous(events);
  int questions = 0;
  for (const SessionEvent& e : events) {
    if (e.has_contribution_added() &&
        e.contribution_added().contribution().kind() == v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION) {
      ++questions;
    }
  }
  EXPECT_EQ(questions, acknowledged.load()) << "an acknowledged command is missing or doubled";
  EXPECT_GT(acknowledged.load(), kWriters * kEach / 2) << "aborted: " << aborted.load();
  std::cout << "[ race ] acknowledged=" << acknowledged << " aborted=" << aborted
            << " events=" << events.size() << "\n";
}

TEST(SessionReplicas, ADecisionOnTheRememberedStateIsTakenAgainOnAFreshOneWhenItWasStale) {
  SessionStack::Options options;
  options.replicas = 2;
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  SessionDriver a(&stack->stub(0));
  BalintInQuestions(a);
  if (HasFatalFailure()) return;
  SessionDriver b(&stack->stub(1));
  b.set_name(a.name());

  // Commands that follow this replica's own appends load nothing: it decides on what it appended.
  const int port = stack->redis().server->port();
  const int64_t loads_before = RedisCalls(port, "hmget");
  for (int i = 0; i < 5; ++i) {
    ASSERT_GRPC_OK(a.Add(kMember, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION,
                         absl::StrCat("What happened in week ", i, "?")));
  }
  EXPECT_EQ(RedisCalls(port, "hmget") - loads_before, 0) << "each command loaded the snapshot";

  // B moves the session into the hypotheses phase; A still remembers the questions phase.
  ASSERT_GRPC_OK(b.Advance(kFacilitator, "questions"));
  // Refused on A's remembered state (no hypotheses while questioning), accepted on the fresh one.
  ASSERT_GRPC_OK(a.Add(kMember, v1::CONTRIBUTION_KIND_HYPOTHESIS, "Money worries"));
  // Accepted on A's remembered state, but B has moved on to the feedback phase: the append finds
  // the session changed, and the fresh decision is the refusal B itself gives.
  ASSERT_GRPC_OK(b.Advance(kFacilitator, "hypotheses"));
  const grpc::Status on_a = a.Add(kMember, v1::CONTRIBUTION_KIND_HYPOTHESIS, "They feel judged");
  const grpc::Status on_b = b.Add(kMember, v1::CONTRIBUTION_KIND_HYPOTHESIS, "They feel judged");
  EXPECT_FALSE(on_b.ok());
  EXPECT_EQ(on_a.error_code(), on_b.error_code()) << on_a.error_message();
  EXPECT_EQ(ReasonOf(on_a), ReasonOf(on_b));
}

TEST(SessionReplicas, KillNineOfTheSessionServiceLosesNoAcknowledgedEvent) {
  SessionStack::Options options;
  options.replicas = 0;
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  const int port = FreeTcpPort();
  auto child = stack->StartBinary(port);
  ASSERT_TRUE(child.ok()) << child.status();
  auto channel = LoopbackChannel(port);
  ASSERT_TRUE(channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(20))));
  auto stub = v1::SessionService::NewStub(channel);
  SessionDriver s(stub.get());
  BalintInQuestions(s);
  if (HasFatalFailure()) return;

  // Writers keep adding while the service is killed; everything acknowledged must survive.
  std::atomic<bool> stop{false};
  std::atomic<int64_t> last_acknowledged{0};
  std::atomic<int> acknowledged{0};
  std::thread writer([&] {
    SessionDriver w(stub.get());
    w.set_name(s.name());
    for (int i = 0; !stop.load(); ++i) {
      if (w.Add(kMember, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, absl::StrCat("How ", i, "?"))
              .ok()) {
        last_acknowledged = w.last_sequence();
        ++acknowledged;
      }
    }
  });
  while (acknowledged.load() < 20) std::this_thread::yield();
  (*child)->Signal(SIGKILL);
  ASSERT_TRUE((*child)->WaitForExit(absl::Seconds(10)).has_value());
  const int64_t acknowledged_before_restart = last_acknowledged.load();
  child = stack->StartBinary(port);
  ASSERT_TRUE(child.ok()) << child.status();
  const int at_restart = acknowledged.load();
  while (acknowledged.load() < at_restart + 10) std::this_thread::yield();
  stop = true;
  writer.join();

  const std::vector<SessionEvent> events = s.Events(kFacilitator);
  ExpectContiguous(events);
  ASSERT_GE(static_cast<int64_t>(events.size()), last_acknowledged.load());
  ASSERT_GE(static_cast<int64_t>(events.size()), acknowledged_before_restart);
  EXPECT_TRUE(s.Advance(kFacilitator, "questions").ok()) << "the session does not continue";
}

int CountKind(const std::vector<SessionEvent>& events, bool warning) {
  int n = 0;
  for (const SessionEvent& e : events) {
    if (warning ? e.has_phase_time_warning() : e.has_phase_overrun()) ++n;
  }
  return n;
}

// Polls the timeline until `done` holds or `limit` passes.
std::vector<SessionEvent> AwaitEvents(
    SessionDriver& s, const std::function<bool(const std::vector<SessionEvent>&)>& done,
    absl::Duration limit) {
  const absl::Time give_up = absl::Now() + limit;
  std::vector<SessionEvent> events = s.Events(kFacilitator);
  while (!done(events) && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(100));  // polling interval, not synchronisation
    events = s.Events(kFacilitator);
  }
  return events;
}

TEST(SessionReplicas, TimersFireExactlyOnceWithTwoReplicasAndAcrossARestart) {
  SessionStack::Options options;
  options.replicas = 2;
  options.timer_loop.interval = absl::Milliseconds(20);  // both replicas poll hard
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  SessionDriver s(&stack->stub(0));
  v1::Session requested;
  requested.mutable_timing_overrides()->mutable_default_timebox()->set_seconds(10);
  requested.mutable_timing_overrides()->mutable_time_warning_lead()->set_seconds(7);
  ASSERT_GRPC_OK(s.Create(kFacilitator, "balint-consultation", requested));
  ASSERT_GRPC_OK(
      s.Lobby(kFacilitator, kFacilitator, kCaseworker, {kOtherCaseworker, kMember, kSupervisor}));
  ASSERT_GRPC_OK(s.Start(kFacilitator));  // warning after 3 s, overrun after 10 s

  std::vector<SessionEvent> events = AwaitEvents(
      s, [](const auto& e) { return CountKind(e, true) >= 1; }, absl::Seconds(15));
  ASSERT_EQ(CountKind(events, true), 1) << "the warning fired " << CountKind(events, true);
  EXPECT_EQ(CountKind(events, false), 0);
  // Both replicas go away (a restart of the whole service); a new one takes over the timers.
  stack->StopReplicas();
  SessionReplica* fresh = stack->AddReplica();
  ASSERT_NE(fresh, nullptr);
  s.set_stub(&fresh->stub());
  stack->AddReplica();
  events = AwaitEvents(
      s, [](const auto& e) { return CountKind(e, false) >= 1; }, absl::Seconds(20));
  EXPECT_EQ(CountKind(events, true), 1);
  ASSERT_EQ(CountKind(events, false), 1);
  // Nothing is left to fire: the session's timer is gone from the shared set, and the log holds
  // each event once.
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (!stack->redis().client->CommandSync({"ZSCORE", "cw:phase-timers", s.name()})->is_nil() &&
         absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));  // polling interval, not synchronisation
  }
  EXPECT_TRUE(
      stack->redis().client->CommandSync({"ZSCORE", "cw:phase-timers", s.name()})->is_nil());
  events = s.Events(kFacilitator);
  EXPECT_EQ(CountKind(events, true), 1);
  EXPECT_EQ(CountKind(events, false), 1);
  ExpectContiguous(events);
}

}  // namespace
}  // namespace casework::testing
