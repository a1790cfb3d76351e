// Commands of one session on one replica run one at a time (services/session/command_runner.h):
// many participants writing to one session through one replica each get their contribution
// appended once, in a contiguous log, without the replica loading the session again (before,
// every command that overlapped another reloaded the session and lost the append race, up to 16
// times); while one command holds the session, at most 64 wait, and the next is refused
// RESOURCE_EXHAUSTED (SESSION_BUSY, with QuotaFailure and RetryInfo) and changes nothing.
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"
#include "services/session/command_runner.h"
#include "tests/kit_test_support.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::SessionEvent;

TEST(SessionLanes, OverlappingCommandsOfOneSessionNeverLoadItAgain) {
  auto stack = SessionStack::Start();
  ASSERT_NE(stack, nullptr);
  SessionDriver setup(&stack->stub());
  BalintInQuestions(setup);
  if (HasFatalFailure()) return;
  const int port = stack->redis().server->port();
  // A load reads the snapshot (HMGET) and folds the events after it (XRANGE).
  const int64_t loads_before = RedisCalls(port, "hmget");
  ASSERT_GE(loads_before, 0);

  constexpr int kWriters = 12;
  constexpr int kEach = 20;
  std::mutex mu;
  std::set<int64_t> sequences;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      SessionDriver s(&stack->stub());
      s.set_name(setup.name());
      const char* who = (w % 2 == 0) ? kMember : kOtherCaseworker;
      for (int i = 0; i < kEach; ++i) {
        const grpc::Status added = s.Add(who, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION,
                                         absl::StrCat("How ", w, "-", i, "?"));
        EXPECT_TRUE(added.ok()) << added.error_code() << " " << added.error_message();
        if (!added.ok()) continue;
        std::lock_guard<std::mutex> lock(mu);
        EXPECT_TRUE(sequences.insert(s.last_sequence()).second) << "two commands, one sequence";
      }
    });
  }
  for (std::thread& writer : writers) writer.join();

  EXPECT_EQ(RedisCalls(port, "hmget") - loads_before, 0)
      << "a command overlapping another loaded the session again";
  EXPECT_EQ(sequences.size(), static_cast<size_t>(kWriters * kEach));
  const std::vector<SessionEvent> events = setup.Events(kFacilitator);
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].sequence(), static_cast<int64_t>(i + 1)) << "gap or duplicate at " << i;
  }
  int contributions = 0;
  for (const SessionEvent& event : events) contributions += event.has_contribution_added() ? 1 : 0;
  EXPECT_EQ(contributions, kWriters * kEach + 1);  // and the case owner's question
}

// Waits until `count` reaches `want` or `timeout` passes; true when it did.
bool WaitFor(std::mutex& mu, std::condition_variable& changed, const int& count, int want,
             absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu);
  return changed.wait_for(lock, absl::ToChronoSeconds(timeout), [&] { return count >= want; });
}

TEST(SessionLanes, BeyondSixtyFourWaitingACommandIsRefusedAndChangesNothing) {
  SessionStack::Options options;
  // Redis is paused below while commands wait: the replica must wait for it, not give up.
  options.redis_patience = absl::Seconds(60);
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  SessionDriver setup(&stack->stub());
  BalintInQuestions(setup);
  if (HasFatalFailure()) return;

  constexpr int kWaiting = static_cast<int>(session::CommandRunner::kMaxWaitingPerSession);
  constexpr int kRefused = 7;
  constexpr int kCalls = 1 + kWaiting + kRefused;  // one runs, 64 wait, the rest are refused
  struct Call {
    std::unique_ptr<grpc::ClientContext> context;
    v1::AddContributionRequest request;
    v1::AddContributionResponse response;
    grpc::Status status;
  };
  std::vector<Call> calls(kCalls);
  std::mutex mu;
  std::condition_variable changed;
  int answered = 0;

  // The first command holds the session while Redis does not answer.
  stack->redis().server->Pause();
  for (int i = 0; i < kCalls; ++i) {
    Call& call = calls[static_cast<size_t>(i)];
    call.context = ContextWithToken(PersonToken(kMember), absl::Seconds(90));
    call.request.set_name(setup.name());
    call.request.set_request_id(absl::StrCat("lane-", i));
    call.request.mutable_contribution()->set_kind(v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION);
    call.request.mutable_contribution()->set_text(absl::StrCat("Question ", i, "?"));
    stack->stub().async()->AddContribution(call.context.get(), &call.request, &call.response,
                                           [&, i](grpc::Status status) {
                                             std::lock_guard<std::mutex> lock(mu);
                                             calls[static_cast<size_t>(i)].status = status;
                                             ++answered;
                                             changed.notify_all();
                                           });
  }
  // Those beyond the 64 waiting are answered at once, while Redis is still paused.
  const bool refused_in_time = WaitFor(mu, changed, answered, kRefused, absl::Seconds(30));
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(answered, kRefused) << "answered while the session's first command could not be";
  }
  stack->redis().server->Resume();
  ASSERT_TRUE(refused_in_time);
  ASSERT_TRUE(WaitFor(mu, changed, answered, kCalls, absl::Seconds(60)));

  std::set<std::string> applied;
  int busy = 0;
  for (const Call& call : calls) {
    if (call.status.ok()) {
      applied.insert(call.request.request_id());
      continue;
    }
    ASSERT_EQ(call.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << call.status.error_message();
    ++busy;
    const absl::Status status = FromGrpcStatus(call.status);
    EXPECT_EQ(ErrorReason(status), "SESSION_BUSY");
    EXPECT_EQ(GetErrorInfo(status)->metadata().at("limit"), absl::StrCat(kWaiting));
    std::optional<google::rpc::QuotaFailure> quota = GetQuotaFailure(status);
    ASSERT_TRUE(quota.has_value());
    ASSERT_EQ(quota->violations_size(), 1);
    EXPECT_EQ(quota->violations(0).subject(), setup.name());
    EXPECT_NE(quota->violations(0).description().find("64"), std::string::npos);
    EXPECT_TRUE(GetRetryInfo(status).has_value());
  }
  EXPECT_EQ(busy, kRefused);
  EXPECT_EQ(applied.size(), static_cast<size_t>(1 + kWaiting));

  // The log holds exactly the applied commands: a refused one changed nothing.
  std::set<std::string> logged;
  for (const SessionEvent& event : setup.Events(kFacilitator)) {
    if (event.has_contribution_added() && event.request_id().rfind("lane-", 0) == 0) {
      EXPECT_TRUE(logged.insert(event.request_id()).second) << "appended twice";
    }
  }
  EXPECT_EQ(logged, applied);
}

}  // namespace
}  // namespace casework::testing
