// The session service's promises across processes: two replicas racing on one session append a
// contiguous log with every acknowledged command exactly once; kill -9 of the service during
// concurrent commands loses no acknowledged event and duplicates none (fault suite D1, long form
// with CASEWORK_LONG=1); phase timers fire exactly once with two replicas and across a restart; a
// replica deciding on the state it last appended (no snapshot load) answers exactly like one that
// loads, when another replica moved the session on meanwhile.
#include <signal.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/session_engine/time_util.h"
#include "libs/testing/figures.h"
#include "libs/testing/process.h"
#include "tests/kit_test_support.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::SessionEvent;

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
  // The pinned template went to Redis once, with the session's first append (HSETNX in the append
  // script); no command after that sends it again, on either replica.
  const int64_t template_writes = RedisCalls(port, "hsetnx");
  EXPECT_EQ(template_writes, 1);
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
  EXPECT_EQ(RedisCalls(port, "hsetnx"), template_writes) << "a command sent the template again";
}

// D1 (session): writers send AddContribution concurrently over several sessions, each command
// retried with its own request_id until acknowledged, while casework-session is killed -9 and
// restarted (once; 5 times with CASEWORK_LONG=1, over 10,000 commands). Every command must be in
// its session's log exactly once, and every log contiguous.
TEST(SessionReplicas, KillNineOfTheSessionServiceLosesNoAcknowledgedEvent) {
  const bool long_form = LongForm();
  const int kills = long_form ? 5 : 1;
  const int commands = long_form ? 10000 : 400;
  const int sessions = long_form ? 20 : 4;
  constexpr int kWritersPerSession = 2;
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
  std::vector<std::unique_ptr<SessionDriver>> drivers;
  for (int i = 0; i < sessions; ++i) {
    drivers.push_back(std::make_unique<SessionDriver>(stub.get()));
    BalintInQuestions(*drivers.back());
    if (HasFatalFailure()) return;
  }

  // Writer w sends commands w, w + W, w + 2W, ... to session w % sessions; a command is text
  // "c-<i>" with request id "kill-<i>", sent again with that id until it is acknowledged.
  const int writers = sessions * kWritersPerSession;
  std::atomic<int> acknowledged{0}, retries{0}, unexpected{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      const std::string& session = drivers[w % sessions]->name();
      const char* who = (w / sessions) % 2 == 0 ? kMember : kOtherCaseworker;
      for (int i = w; i < commands; i += writers) {
        v1::AddContributionRequest request;
        request.set_name(session);
        request.set_request_id(absl::StrCat("kill-", i));
        request.mutable_contribution()->set_kind(v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION);
        request.mutable_contribution()->set_text(absl::StrCat("c-", i));
        for (int attempt = 0;; ++attempt) {
          auto context = ContextWithToken(PersonToken(who), absl::Seconds(5));
          context->set_wait_for_ready(true);  // across the restart
          v1::AddContributionResponse response;
          grpc::Status status = stub->AddContribution(context.get(), request, &response);
          if (status.ok()) break;
          if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
              status.error_code() != grpc::StatusCode::ABORTED &&
              status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
            ADD_FAILURE() << "command " << i << ": " << status.error_code() << " "
                          << status.error_message();
            ++unexpected;
            break;
          }
          ++retries;
          if (attempt > 100) {
            ADD_FAILURE() << "command " << i << " never acknowledged";
            ++unexpected;
            break;
          }
        }
        ++acknowledged;
      }
    });
  }
  const absl::Time started = absl::Now();
  for (int k = 1; k <= kills; ++k) {
    const int kill_at = commands * k / (kills + 1);
    while (acknowledged.load() < kill_at) absl::SleepFor(absl::Milliseconds(1));  // polling
    (*child)->Signal(SIGKILL);
    ASSERT_TRUE((*child)->WaitForExit(absl::Seconds(10)).has_value());
    child = stack->StartBinary(port);
    ASSERT_TRUE(child.ok()) << child.status();
  }
  for (std::thread& t : threads) t.join();
  const absl::Duration elapsed = absl::Now() - started;
  EXPECT_EQ(unexpected.load(), 0);

  // Each command's text exactly once in its session's log; every log contiguous.
  std::map<std::string, int> seen;
  int64_t events_total = 0;
  for (auto& driver : drivers) {
    const std::vector<SessionEvent> events = driver->Events(kFacilitator);
    ExpectContiguous(events);
    events_total += static_cast<int64_t>(events.size());
    for (const SessionEvent& e : events) {
      if (e.has_contribution_added() &&
          absl::StartsWith(e.contribution_added().contribution().text(), "c-")) {
        ++seen[e.contribution_added().contribution().text()];
      }
    }
  }
  int lost = 0, duplicated = 0;
  for (int i = 0; i < commands; ++i) {
    auto it = seen.find(absl::StrCat("c-", i));
    if (it == seen.end()) {
      ++lost;
    } else if (it->second > 1) {
      duplicated += it->second - 1;
    }
  }
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(duplicated, 0);
  for (auto& driver : drivers) {
    EXPECT_TRUE(driver->Advance(kFacilitator, "questions").ok()) << "the session does not continue";
  }
  PrintFigure("D1-session",
              absl::StrCat(kills, " kill -9 of casework-session during ", commands,
                           " concurrent AddContribution (", writers, " writers on ", sessions,
                           " sessions, Redis AOF fsync always) in ",
                           absl::FormatDuration(absl::Trunc(elapsed, absl::Milliseconds(100))),
                           ": ", lost, " acknowledged lost, ", duplicated, " duplicated, ",
                           retries.load(), " cut-off calls retried with their request_id, ",
                           events_total, " events in contiguous logs"));
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
