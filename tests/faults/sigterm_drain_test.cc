// Fault suite G8: SIGTERM of each service binary under load, with --drain_grace=2s.
//   - records: 200 CreateCase calls in flight. Every acknowledged create is in the database once,
//     and retries with the original request_ids after a restart answer the same case.
//   - session: 200 AddContribution calls in flight over 10 sessions. Every acknowledged command is
//     in its session's log exactly once; the others are applied exactly once by their retries.
//   - notification: 100 open WatchSession streams while events are appended. Every stream ends
//     UNAVAILABLE (SERVER_SHUTTING_DOWN) carrying the sequence of its last frame, and resuming
//     from it on a new process gives the rest of the log without gap or repeat.
// Each process exits 0 within the grace + 1 s.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/redis/redis_test_env.h"
#include "libs/server/grpc_status.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/session_log/redis_event_log.h"
#include "libs/status/errors.h"
#include "libs/testing/figures.h"
#include "libs/testing/process.h"
#include "libs/testing/test_tokens.h"
#include "services/notification/notification_server.h"
#include "tests/faults/fault_test_support.h"
#include "tests/kit_test_support.h"
#include "tests/notification/notification_test_support.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

constexpr int kInFlight = 200;
constexpr absl::Duration kGrace = absl::Seconds(2);
constexpr char kGraceFlag[] = "--drain_grace=2s";
constexpr char kTeam[] = "organizations/o1/teams/t1";

std::string Ms(absl::Duration d) {
  return absl::StrFormat("%.0f ms", absl::ToDoubleMilliseconds(d));
}

// Waits for `process` to exit after SIGTERM at `signalled`: how long it took, and whether it
// exited 0.
std::pair<absl::Duration, bool> AwaitExit(ChildProcess& process, absl::Time signalled) {
  std::optional<int> exit = process.WaitForExit(absl::Seconds(20));
  const absl::Duration took = absl::Now() - signalled;
  return {took, exit.has_value() && WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0};
}

TEST(SigtermDrainTest, RecordsKeepsEveryAcknowledgedCreate) {
  const int count = LongForm() ? 20000 : 3000;
  TempDir dir;
  const std::string database = (dir.path() / "records.db").string();
  RecordsProcess binary(dir.path(), "records", absl::StrCat("sqlite:", database), {kGraceFlag});
  ASSERT_TRUE(binary.Start());
  SeedTeam(binary.stub(), "o1");
  const std::string token = SupervisorToken();
  auto stub = [&](int) -> casework::v1::RecordsService::Stub& { return binary.stub(); };

  // SIGTERM once 500 creates are acknowledged, at a moment when 200 calls are outstanding (the
  // loader checks before starting each call, right after it filled the window again).
  std::mutex mu;
  std::map<int, std::string> acknowledged;
  std::atomic<int> started{0}, finished{0}, acked{0}, in_flight_at_signal{0};
  std::atomic<bool> sent{false};
  std::promise<absl::Time> signalled;
  std::thread load([&] {
    CreateCasesConcurrently(
        stub, token, kTeam, "T", count, kInFlight,
        [&] {
          const int in_flight = started.load() - finished.load();
          if (acked.load() >= 500 && in_flight >= kInFlight && !sent.exchange(true)) {
            in_flight_at_signal = in_flight;
            binary.process().Signal(SIGTERM);
            signalled.set_value(absl::Now());
          }
          ++started;
          return true;
        },
        [&](int i, const grpc::Status& status, const casework::v1::Case& created) {
          std::lock_guard<std::mutex> lock(mu);
          ++finished;
          if (!status.ok()) return;
          acknowledged[i] = created.name();
          ++acked;
        });
    if (!sent.exchange(true)) signalled.set_value(absl::InfiniteFuture());
  });
  const absl::Time at = signalled.get_future().get();
  if (at == absl::InfiniteFuture()) {
    load.join();
    FAIL() << "never 200 calls in flight";
  }
  const auto [took, clean] = AwaitExit(binary.process(), at);
  load.join();
  EXPECT_TRUE(clean);
  EXPECT_LE(took, kGrace + absl::Seconds(1));

  const CaseRows rows = ReadSqliteCases(database);
  int lost = 0;
  for (const auto& [i, name] : acknowledged) lost += rows.names.count(name) == 0;
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(rows.integrity, "ok");
  EXPECT_EQ(rows.cases, rows.distinct_references);
  ASSERT_TRUE(binary.Start());
  const CreateReplay replay = ReplayCreates(stub, token, kTeam, "T", count, 64, acknowledged);
  EXPECT_EQ(replay.failed, 0);
  EXPECT_EQ(replay.mismatched, 0);
  binary.process().Signal(SIGTERM);
  ASSERT_TRUE(binary.process().WaitForExit(absl::Seconds(15)).has_value());
  const CaseRows final_rows = ReadSqliteCases(database);
  EXPECT_EQ(final_rows.cases, count);
  EXPECT_EQ(final_rows.distinct_references, count);
  PrintFigure("G8-records",
              absl::StrCat("SIGTERM of casework-records with ", in_flight_at_signal.load(),
                           " CreateCase in flight (grace 2 s): exit ", clean ? "0" : "FAILED",
                           " after ", Ms(took), ", ", acknowledged.size(), " acknowledged, ", lost,
                           " lost, ", rows.cases - rows.distinct_references, " duplicates, ",
                           replay.mismatched, " retries answered differently, ", final_rows.cases,
                           " cases for ", count, " creates"));
}

TEST(SigtermDrainTest, SessionKeepsEveryAcknowledgedCommand) {
  const int count = LongForm() ? 10000 : 1000;
  constexpr int kSessions = 10;
  SessionStack::Options options;
  options.replicas = 0;
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  const int port = FreeTcpPort();
  auto child = stack->StartBinary(port, {kGraceFlag});
  ASSERT_TRUE(child.ok()) << child.status();
  auto channel = LoopbackChannel(port);
  ASSERT_TRUE(WaitUntilServing(channel, "", absl::Seconds(20)));
  auto stub = v1::SessionService::NewStub(channel);
  std::vector<std::unique_ptr<SessionDriver>> sessions;
  for (int i = 0; i < kSessions; ++i) {
    sessions.push_back(std::make_unique<SessionDriver>(stub.get()));
    BalintInQuestions(*sessions.back());
    if (HasFatalFailure()) return;
  }
  auto request_for = [&](int i) {
    v1::AddContributionRequest request;
    request.set_name(sessions[i % kSessions]->name());
    request.set_request_id(absl::StrCat("g8-", i));
    request.mutable_contribution()->set_kind(v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION);
    request.mutable_contribution()->set_text(absl::StrCat("g8-", i));
    return request;
  };

  // 200 calls in flight from the callback API; SIGTERM once 300 are acknowledged.
  struct Pending {
    std::unique_ptr<grpc::ClientContext> context;
    v1::AddContributionRequest request;
    v1::AddContributionResponse response;
  };
  std::vector<std::unique_ptr<Pending>> calls(count);
  std::vector<bool> acknowledged(count, false);
  std::mutex mu;
  std::condition_variable cv;
  int outstanding = 0, acked = 0, in_flight_at_signal = 0;
  std::map<grpc::StatusCode, int> failures;
  absl::Time signalled = absl::InfiniteFuture();
  const std::string token = PersonToken(kMember);
  for (int i = 0; i < count; ++i) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return outstanding < kInFlight; });
      ++outstanding;
    }
    calls[i] = std::make_unique<Pending>();
    calls[i]->context = ContextWithToken(token, absl::Seconds(30));
    calls[i]->request = request_for(i);
    stub->async()->AddContribution(calls[i]->context.get(), &calls[i]->request, &calls[i]->response,
                                   [&, i](grpc::Status status) {
                                     std::lock_guard<std::mutex> lock(mu);
                                     --outstanding;
                                     cv.notify_all();
                                     if (!status.ok()) {
                                       ++failures[status.error_code()];
                                       return;
                                     }
                                     acknowledged[i] = true;
                                     if (++acked == 300) {
                                       in_flight_at_signal = outstanding + 1;
                                       (*child)->Signal(SIGTERM);
                                       signalled = absl::Now();
                                     }
                                   });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return outstanding == 0; });
  }
  ASSERT_NE(signalled, absl::InfiniteFuture());
  const auto [took, clean] = AwaitExit(**child, signalled);
  EXPECT_TRUE(clean);
  EXPECT_LE(took, kGrace + absl::Seconds(1));
  for (const auto& [code, n] : failures) std::cout << n << " calls ended " << code << "\n";

  // After a restart: each acknowledged command once, none twice; then the others retried.
  child = stack->StartBinary(port, {kGraceFlag});
  ASSERT_TRUE(child.ok()) << child.status();
  auto count_texts = [&] {
    std::map<std::string, int> seen;
    for (auto& s : sessions) {
      const std::vector<v1::SessionEvent> events = s->Events(kFacilitator);
      for (size_t k = 0; k < events.size(); ++k) {
        EXPECT_EQ(events[k].sequence(), static_cast<int64_t>(k + 1)) << "gap in " << s->name();
        const std::string& text = events[k].contribution_added().contribution().text();
        if (absl::StartsWith(text, "g8-")) ++seen[text];
      }
    }
    return seen;
  };
  ASSERT_TRUE(WaitUntilServing(channel, "", absl::Seconds(20)));
  std::map<std::string, int> seen = count_texts();
  int lost = 0, duplicated = 0, unacknowledged = 0;
  for (int i = 0; i < count; ++i) {
    const int n = seen[absl::StrCat("g8-", i)];
    lost += acknowledged[i] && n == 0;
    duplicated += n > 1 ? n - 1 : 0;
    unacknowledged += !acknowledged[i];
  }
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(duplicated, 0);
  // The cut-off commands, retried with their request ids: one thread per session.
  std::atomic<int> retry_failures{0};
  std::vector<std::thread> retriers;
  for (int session = 0; session < kSessions; ++session) {
    retriers.emplace_back([&, session] {
      for (int i = session; i < count; i += kSessions) {
        if (acknowledged[i]) continue;
        grpc::Status status;
        for (int attempt = 0; attempt < 20; ++attempt) {
          const v1::AddContributionRequest request = request_for(i);
          status = AddQuestion(*stub, kMember, request.name(), request.request_id(),
                               request.contribution().text(), absl::Seconds(10), true);
          if (status.error_code() != grpc::StatusCode::ABORTED) break;
        }
        EXPECT_TRUE(status.ok()) << i << ": " << status.error_message();
        retry_failures += !status.ok();
      }
    });
  }
  for (std::thread& retrier : retriers) retrier.join();
  EXPECT_EQ(retry_failures.load(), 0);
  seen = count_texts();
  int exactly_once = 0;
  for (int i = 0; i < count; ++i) exactly_once += seen[absl::StrCat("g8-", i)] == 1;
  EXPECT_EQ(exactly_once, count);
  (*child)->Signal(SIGTERM);
  ASSERT_TRUE((*child)->WaitForExit(absl::Seconds(15)).has_value());
  PrintFigure("G8-session",
              absl::StrCat("SIGTERM of casework-session with ", in_flight_at_signal,
                           " AddContribution in flight (grace 2 s): exit ", clean ? "0" : "FAILED",
                           " after ", Ms(took), ", ", acked, " acknowledged, ", lost, " lost, ",
                           duplicated, " duplicated; ", unacknowledged,
                           " cut off and retried with their request_id: ", exactly_once, "/", count,
                           " commands exactly once in the logs"));
}

// Appends a harness's new events to the session log on Redis (retrying through nothing: Redis
// stays up in this test).
absl::Status AppendNew(session::RedisEventLog& log, const session::testing::EngineHarness& h,
                       int64_t& appended) {
  session::AppendRequest request;
  request.session_name = notification::testing::kSession;
  request.expected_version = appended;
  request.request_id = absl::StrCat("append-", appended);
  request.fingerprint = request.request_id;
  for (size_t i = appended; i < h.log().size(); ++i) {
    request.events.push_back(h.log()[i].SerializeAsString());
  }
  std::promise<absl::StatusOr<session::AppendOutcome>> done;
  log.Append(request, [&](absl::StatusOr<session::AppendOutcome> outcome) {
    done.set_value(std::move(outcome));
  });
  absl::StatusOr<session::AppendOutcome> outcome = done.get_future().get();
  if (outcome.ok()) appended = static_cast<int64_t>(h.log().size());
  return outcome.status();
}

TEST(SigtermDrainTest, NotificationEndsStreamsWithTheirResumePosition) {
  using notification::testing::Sequences;
  using notification::testing::WatchClient;
  constexpr int kStreams = 100;
  const std::vector<std::string> viewers = {"f", "m1", "m2", "m3", "g"};
  auto redis = redis::RedisTestEnv::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  session::RedisEventLog log(*redis->client);
  session::testing::EngineHarness h;
  ASSERT_TRUE(session::testing::IntervisionAt(h, "state_problem").ok());
  int64_t appended = 0;
  ASSERT_TRUE(AppendNew(log, h, appended).ok());
  TempDir dir;
  const std::string key_file = (dir.path() / "key").string();
  std::ofstream(key_file) << GetTestKeys().hs256.material;
  // The team whose member list names the viewers.
  auto records = notification::testing::CastRecords::Start();
  ASSERT_NE(records, nullptr);
  const int port = FreeTcpPort();
  auto start_binary = [&](int n) {
    return StartNotificationBinary(port, redis->server->port(), records->port(), key_file,
                                   (dir.path() / absl::StrCat("notification-", n, ".log")).string(),
                                   {kGraceFlag});
  };
  auto first = start_binary(1);
  ASSERT_TRUE(first.ok()) << first.status();
  auto channel = LoopbackChannel(port);
  ASSERT_TRUE(
      WaitUntilServing(channel, notification::NotificationServer::kServiceName, absl::Seconds(20)));
  auto stub = v1::NotificationService::NewStub(channel);
  std::vector<std::unique_ptr<WatchClient>> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(std::make_unique<WatchClient>(
        *stub, notification::testing::TokenFor(viewers[i % viewers.size()]),
        notification::testing::kSession, 0));
  }
  // Events keep coming while the process is told to stop.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      const std::string author = viewers[i % 4];
      ASSERT_TRUE(h.Add(author, v1::CONTRIBUTION_KIND_ASSOCIATION, absl::StrCat("a-", i)).ok());
      ASSERT_TRUE(AppendNew(log, h, appended).ok());
    }
  });
  // Every stream live and receiving (the log starts with ~20 events of the set-up).
  for (auto& stream : streams) stream->WaitForFrames(60);
  const absl::Time signalled = absl::Now();
  (*first)->Signal(SIGTERM);
  int wrong_end = 0, wrong_position = 0;
  for (auto& stream : streams) {
    const grpc::Status status = stream->Wait();
    const std::vector<int64_t> got = Sequences(stream->frames());
    const bool unavailable = status.error_code() == grpc::StatusCode::UNAVAILABLE &&
                             ErrorReason(FromGrpcStatus(status)) == "SERVER_SHUTTING_DOWN";
    EXPECT_TRUE(unavailable) << status.error_code() << " " << status.error_message();
    wrong_end += !unavailable;
    const std::string position = notification::testing::ErrorMetadata(status, "last_sequence");
    EXPECT_EQ(position, absl::StrCat(got.empty() ? 0 : got.back()));
    wrong_position += position != absl::StrCat(got.empty() ? 0 : got.back());
  }
  const auto [took, clean] = AwaitExit(**first, signalled);
  EXPECT_TRUE(clean);
  EXPECT_LE(took, kGrace + absl::Seconds(1));
  stop = true;
  writer.join();
  ASSERT_TRUE(h.End("f", "test over").ok());
  ASSERT_TRUE(h.MarkStored("organizations/acme/teams/t1/sessionRecords/r1").ok());
  ASSERT_TRUE(AppendNew(log, h, appended).ok());

  // Every stream resumes on a new process from the position its status named.
  auto second = start_binary(2);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(
      WaitUntilServing(channel, notification::NotificationServer::kServiceName, absl::Seconds(20)));
  int gaps = 0;
  for (int i = 0; i < kStreams; ++i) {
    std::vector<int64_t> got = Sequences(streams[i]->frames());
    WatchClient resumed(*stub, notification::testing::TokenFor(viewers[i % viewers.size()]),
                        notification::testing::kSession, got.empty() ? 0 : got.back());
    EXPECT_TRUE(resumed.Wait().ok());
    for (int64_t sequence : Sequences(resumed.frames())) got.push_back(sequence);
    bool contiguous = static_cast<int64_t>(got.size()) == appended;
    for (size_t k = 0; contiguous && k < got.size(); ++k) {
      contiguous = got[k] == static_cast<int64_t>(k + 1);
    }
    EXPECT_TRUE(contiguous) << "stream " << i;
    gaps += !contiguous;
  }
  streams.clear();
  (*second)->Signal(SIGTERM);
  ASSERT_TRUE((*second)->WaitForExit(absl::Seconds(15)).has_value());
  PrintFigure("G8-notification",
              absl::StrCat("SIGTERM of casework-notification with ", kStreams,
                           " open WatchSession streams and events arriving (grace 2 s): exit ",
                           clean ? "0" : "FAILED", " after ", Ms(took), "; ", wrong_end,
                           " streams not ended UNAVAILABLE/SERVER_SHUTTING_DOWN, ", wrong_position,
                           " with a wrong last_sequence; ", gaps, "/", kStreams,
                           " with a gap or repeat after resuming on a new process"));
}

}  // namespace
}  // namespace casework::testing
