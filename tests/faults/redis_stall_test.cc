// Fault suite G1: Redis stopped (SIGSTOP) under load — 2.5 s in the short form, 5 s with
// CASEWORK_LONG=1 — with the session and notification binaries in front of it. Every call ends
// within its deadline + 100 ms, either OK or UNAVAILABLE / DEADLINE_EXCEEDED; the readiness of
// both services turns NOT_SERVING within 2 s of the stop and SERVING within 2 s of SIGCONT; every
// load thread gets commands through again afterwards (no hung thread); watchers open through the
// stall receive every acknowledged event contiguously; both binaries still drain on SIGTERM.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/figures.h"
#include "libs/testing/process.h"
#include "services/notification/notification_server.h"
#include "tests/faults/fault_test_support.h"
#include "tests/kit_test_support.h"
#include "tests/notification/notification_test_support.h"

namespace casework::testing {
namespace {

using notification::testing::Sequences;
using notification::testing::WatchClient;

constexpr absl::Duration kDeadline = absl::Seconds(1);
constexpr absl::Duration kLateness = absl::Milliseconds(100);
constexpr char kSessionService[] = "casework.v1.SessionService";

struct CallOutcome {
  absl::Time started, ended;
  grpc::StatusCode code;
};

// First time at or after `from` at which `service` answered `want`, polled every 20 ms up to
// `limit`; InfiniteFuture when it never did.
absl::Time FirstHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                       const std::string& want, absl::Time from, absl::Duration limit) {
  while (absl::Now() < from + limit) {
    if (HealthStatus(channel, service) == want) return absl::Now();
    absl::SleepFor(absl::Milliseconds(20));  // polling interval
  }
  return absl::InfiniteFuture();
}

TEST(RedisStallTest, CallsEndInTimeHealthFollowsAndEverythingResumes) {
  const absl::Duration stall = LongForm() ? absl::Seconds(5) : absl::Milliseconds(2500);
  constexpr int kWriters = 6;  // one session each: no write races, only the stall
  constexpr int kWatchers = 10;
  SessionStack::Options options;
  options.replicas = 0;
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  TempDir dir;
  const int session_port = FreeTcpPort(), notification_port = FreeTcpPort();
  auto session_binary = stack->StartBinary(session_port);
  ASSERT_TRUE(session_binary.ok()) << session_binary.status();
  auto notification_binary = StartNotificationBinary(
      notification_port, stack->redis().server->port(), stack->records().port(), stack->key_file(),
      (dir.path() / "notification.log").string());
  ASSERT_TRUE(notification_binary.ok()) << notification_binary.status();
  auto session_channel = LoopbackChannel(session_port);
  auto notification_channel = LoopbackChannel(notification_port);
  ASSERT_TRUE(WaitUntilServing(session_channel, kSessionService, absl::Seconds(20)));
  ASSERT_TRUE(WaitUntilServing(notification_channel, notification::NotificationServer::kServiceName,
                               absl::Seconds(20)));
  auto stub = v1::SessionService::NewStub(session_channel);
  auto watch_stub = v1::NotificationService::NewStub(notification_channel);
  std::vector<std::unique_ptr<SessionDriver>> sessions;
  for (int i = 0; i < kWriters; ++i) {
    sessions.push_back(std::make_unique<SessionDriver>(stub.get()));
    BalintInQuestions(*sessions.back());
    if (HasFatalFailure()) return;
  }
  const int64_t watched_from = sessions[0]->last_sequence();
  std::vector<std::unique_ptr<WatchClient>> watchers;
  for (int i = 0; i < kWatchers; ++i) {
    watchers.push_back(std::make_unique<WatchClient>(*watch_stub, PersonToken(kMember),
                                                     sessions[0]->name(), watched_from));
  }

  // Load: each writer adds questions to its session with a 1 s deadline, as fast as answered;
  // two more threads keep opening WatchSession streams with a 1 s deadline.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<CallOutcome> outcomes;
  std::vector<absl::Time> last_ok(kWriters, absl::InfinitePast());
  std::vector<std::thread> load;
  for (int w = 0; w < kWriters; ++w) {
    load.emplace_back([&, w] {
      for (int i = 0; !stop.load(); ++i) {
        const absl::Time started = absl::Now();
        grpc::Status status =
            AddQuestion(*stub, kMember, sessions[w]->name(), absl::StrCat("stall-", w, "-", i),
                        absl::StrCat("Why ", i, "?"), kDeadline);
        const absl::Time ended = absl::Now();
        std::lock_guard<std::mutex> lock(mu);
        outcomes.push_back({started, ended, status.error_code()});
        if (status.ok()) last_ok[w] = ended;
      }
    });
  }
  for (int t = 0; t < 2; ++t) {
    load.emplace_back([&] {
      while (!stop.load()) {
        grpc::ClientContext context;
        context.AddMetadata("authorization", absl::StrCat("Bearer ", PersonToken(kMember)));
        context.set_deadline(absl::ToChronoTime(absl::Now() + kDeadline));
        v1::WatchSessionRequest request;
        request.set_session(sessions[1]->name());
        request.set_after_sequence(0);
        const absl::Time started = absl::Now();
        auto reader = watch_stub->WatchSession(&context, request);
        v1::WatchSessionResponse frame;
        while (reader->Read(&frame)) {
        }
        grpc::Status status = reader->Finish();
        const absl::Time ended = absl::Now();
        std::lock_guard<std::mutex> lock(mu);
        outcomes.push_back({started, ended, status.error_code()});
      }
    });
  }
  absl::SleepFor(absl::Seconds(1));  // load before the fault (duration of the scenario)

  stack->redis().server->Pause();
  const absl::Time stopped = absl::Now();
  const absl::Time session_down =
      FirstHealth(session_channel, kSessionService, "NOT_SERVING", stopped, stall);
  const absl::Time notification_down =
      FirstHealth(notification_channel, notification::NotificationServer::kServiceName,
                  "NOT_SERVING", stopped, stall);
  absl::SleepFor(stopped + stall - absl::Now());  // the rest of the stall
  stack->redis().server->Resume();
  const absl::Time resumed = absl::Now();
  const absl::Time session_up =
      FirstHealth(session_channel, kSessionService, "SERVING", resumed, absl::Seconds(5));
  const absl::Time notification_up =
      FirstHealth(notification_channel, notification::NotificationServer::kServiceName, "SERVING",
                  resumed, absl::Seconds(5));
  absl::SleepFor(absl::Seconds(2));  // load after the fault
  stop = true;
  for (std::thread& thread : load) thread.join();

  int late = 0, wrong_code = 0, ok = 0, unavailable = 0, deadline_exceeded = 0;
  absl::Duration worst = absl::ZeroDuration();
  for (const CallOutcome& call : outcomes) {
    const absl::Duration over = call.ended - call.started - kDeadline;
    worst = std::max(worst, over);
    late += over > kLateness;
    switch (call.code) {
      case grpc::StatusCode::OK:
        ++ok;
        break;
      case grpc::StatusCode::UNAVAILABLE:
        ++unavailable;
        break;
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        ++deadline_exceeded;
        break;
      default:
        ++wrong_code;
        ADD_FAILURE() << "a call ended " << call.code;
    }
  }
  EXPECT_EQ(late, 0) << "worst: deadline + " << worst;
  EXPECT_EQ(wrong_code, 0);
  EXPECT_GT(unavailable + deadline_exceeded, 0) << "the stall cut nothing off";
  int hung = 0;
  for (int w = 0; w < kWriters; ++w) hung += last_ok[w] < resumed;
  EXPECT_EQ(hung, 0) << "writers without a successful command after SIGCONT";
  EXPECT_LE(session_down - stopped, absl::Seconds(2));
  EXPECT_LE(notification_down - stopped, absl::Seconds(2));
  EXPECT_LE(session_up - resumed, absl::Seconds(2));
  EXPECT_LE(notification_up - resumed, absl::Seconds(2));

  // The watchers of session 0 got every event it acknowledged, once and in order.
  const int64_t last = static_cast<int64_t>(sessions[0]->Events(kFacilitator).size());
  int broken_watchers = 0;
  for (auto& watcher : watchers) {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (static_cast<int64_t>(watcher->frame_count()) < last - watched_from &&
           absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(10));  // polling for delivery
    }
    std::vector<int64_t> sequences = Sequences(watcher->frames());
    bool contiguous = static_cast<int64_t>(sequences.size()) == last - watched_from;
    for (size_t k = 0; contiguous && k < sequences.size(); ++k) {
      contiguous = sequences[k] == watched_from + 1 + static_cast<int64_t>(k);
    }
    EXPECT_TRUE(contiguous) << sequences.size() << " frames for " << last - watched_from;
    broken_watchers += !contiguous;
  }
  watchers.clear();

  // Both binaries drain and exit on SIGTERM.
  for (ChildProcess* process : {session_binary->get(), notification_binary->get()}) {
    process->Signal(SIGTERM);
    std::optional<int> exit = process->WaitForExit(absl::Seconds(15));
    ASSERT_TRUE(exit.has_value()) << "a binary hangs after the stall";
    EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0);
  }
  auto ms = [](absl::Duration d) {
    return absl::StrFormat("%.0f ms", absl::ToDoubleMilliseconds(d));
  };
  PrintFigure(
      "G1",
      absl::StrCat("Redis SIGSTOP for ", absl::FormatDuration(stall), " under load (", kWriters,
                   " writers, 2 watch openers, 1 s deadlines, ", outcomes.size(), " calls): ", late,
                   " calls past deadline + 100 ms (worst deadline ",
                   worst >= absl::ZeroDuration() ? "+ " : "- ", ms(absl::AbsDuration(worst)), "), ",
                   wrong_code, " other codes (", ok, " OK, ", unavailable, " UNAVAILABLE, ",
                   deadline_exceeded, " DEADLINE_EXCEEDED), ", hung,
                   " hung threads; NOT_SERVING after ", ms(session_down - stopped), " (session) / ",
                   ms(notification_down - stopped), " (notification), SERVING ",
                   ms(session_up - resumed), " / ", ms(notification_up - resumed),
                   " after SIGCONT; ", broken_watchers, "/", kWatchers, " watchers with a gap"));
}

}  // namespace
}  // namespace casework::testing
