// casework-notification as an operator runs it: a process with a private redis-server and the
// records service (the team's member list), serving a WatchSession stream, then SIGTERM — the
// stream ends UNAVAILABLE (SERVER_SHUTTING_DOWN) with its resume position and the process exits 0
// well within the drain grace.
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/redis/redis_client.h"
#include "libs/server/grpc_status.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/session_log/redis_event_log.h"
#include "libs/status/errors.h"
#include "libs/testing/process.h"
#include "libs/testing/redis_server.h"
#include "libs/testing/test_tokens.h"
#include "tests/kit_test_support.h"
#include "tests/notification/notification_test_support.h"

namespace casework::notification::testing {
namespace {

using casework::testing::ChildProcess;

TEST(NotificationBinaryTest, SigtermEndsStreamsWithTheirResumePositionAndExitsZero) {
  auto redis = casework::testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  // A session to watch, appended through the session log's script.
  redis::RedisOptions redis_options;
  redis_options.port = (*redis)->port();
  auto client = redis::RedisClient::Start(redis_options);
  ASSERT_TRUE(client->WaitUntilHealthy(absl::Seconds(10)));
  EngineHarness h;
  ASSERT_TRUE(session::testing::BalintLobby(h).ok());
  session::RedisEventLog log(*client);
  session::AppendRequest append;
  append.session_name = kSession;
  for (const v1::SessionEvent& event : h.log()) append.events.push_back(event.SerializeAsString());
  std::promise<absl::StatusOr<session::AppendOutcome>> appended;
  log.Append(append, [&](absl::StatusOr<session::AppendOutcome> outcome) {
    appended.set_value(std::move(outcome));
  });
  ASSERT_TRUE(appended.get_future().get().ok());
  const int64_t last = static_cast<int64_t>(h.log().size());

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("casework-notification-bin-", getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "key") << casework::testing::GetTestKeys().hs256.material;
  auto records = CastRecords::Start();
  ASSERT_NE(records, nullptr);
  const int port = casework::testing::FreeTcpPort();
  std::vector<std::string> argv = {
      absl::StrCat(casework::testing::BinaryDir(), "/casework-notification"),
      absl::StrCat("--grpc_address=127.0.0.1:", port),
      "--metrics_address=127.0.0.1:0",
      absl::StrCat("--jwt_hs256_key_file=", (dir / "key").string()),
      absl::StrCat("--jwt_issuer=", casework::testing::kTestIssuer),
      absl::StrCat("--jwt_audience=", casework::testing::kTestAudience),
      absl::StrCat("--redis_address=127.0.0.1:", (*redis)->port())};
  for (std::string& flag : records->BinaryFlags()) argv.push_back(std::move(flag));
  auto process = ChildProcess::Start(argv, (dir / "log").string());
  ASSERT_TRUE(process.ok());
  auto channel = casework::testing::LoopbackChannel(port);
  ASSERT_TRUE(casework::testing::WaitUntilServing(channel, NotificationServer::kServiceName,
                                                  absl::Seconds(20)));
  auto stub = v1::NotificationService::NewStub(channel);
  WatchClient watcher(*stub, TokenFor("m1"), kSession, 0);
  watcher.WaitForFrames(last);

  const absl::Time signalled = absl::Now();
  (*process)->Signal(SIGTERM);
  const grpc::Status status = watcher.Wait();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(ErrorReason(FromGrpcStatus(status)), "SERVER_SHUTTING_DOWN");
  EXPECT_EQ(ErrorMetadata(status, "last_sequence"), absl::StrCat(last));
  std::optional<int> exit = (*process)->WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(WIFEXITED(*exit) && WEXITSTATUS(*exit) == 0);
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(5));  // streams do not wait for the grace
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace casework::notification::testing
