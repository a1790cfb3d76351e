// RedisClient against a real private redis-server (the project's redis.conf): replies, threads,
// outages (kill -9, restart, SIGSTOP) and durability of acknowledged writes.
#include "libs/redis/redis_client.h"

#include <thread>

#include "gtest/gtest.h"
#include "libs/redis/redis_test_env.h"

namespace casework::redis {
namespace {

using ::casework::testing::RedisServer;

// Waits (bounded) for the client's health to reach `want`; returns how long it took.
absl::StatusOr<absl::Duration> AwaitHealth(const RedisClient& client, bool want,
                                           absl::Duration limit) {
  const absl::Time start = absl::Now();
  while (client.healthy() != want) {
    if (absl::Now() - start > limit) return absl::DeadlineExceededError("health did not change");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return absl::Now() - start;
}

class RedisClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RedisOptions options;
    options.command_timeout = absl::Milliseconds(500);
    auto env = RedisTestEnv::Start(options);
    ASSERT_TRUE(env.ok()) << env.status();
    server_ = std::move(env->server);
    client_ = std::move(env->client);
  }

  std::unique_ptr<RedisServer> server_;
  std::unique_ptr<RedisClient> client_;
};

TEST_F(RedisClientTest, RepliesOfEveryType) {
  auto set = client_->CommandSync({"SET", "k", std::string("v\0w", 3)});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->type, RedisValue::Type::kStatus);
  auto get = client_->CommandSync({"GET", "k"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->str, std::string("v\0w", 3));  // binary-safe
  EXPECT_TRUE(client_->CommandSync({"GET", "missing"})->is_nil());
  EXPECT_EQ(client_->CommandSync({"INCRBY", "n", "5"})->integer, 5);
  ASSERT_TRUE(client_->CommandSync({"RPUSH", "l", "a", "b"}).ok());
  auto list = client_->CommandSync({"LRANGE", "l", "0", "-1"});
  ASSERT_EQ(list->type, RedisValue::Type::kArray);
  ASSERT_EQ(list->elements.size(), 2u);
  EXPECT_EQ(list->elements[1].str, "b");
  auto error = client_->CommandSync({"INCR", "l"});
  ASSERT_TRUE(error.ok());
  EXPECT_TRUE(error->is_error());
  EXPECT_NE(error->str.find("WRONGTYPE"), std::string::npos);
}

TEST_F(RedisClientTest, CommandsFromManyThreadsAllApply) {
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        auto reply = client_->CommandSync({"INCR", "counter"});
        if (!reply.ok() || reply->is_error()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(client_->CommandSync({"GET", "counter"})->str, std::to_string(kThreads * kEach));
}

TEST_F(RedisClientTest, AcknowledgedWritesSurviveKill9AndTheClientReconnects) {
  for (int i = 0; i < 100; ++i) {
    auto reply = client_->CommandSync({"XADD", "log", "*", "n", std::to_string(i)});
    ASSERT_TRUE(reply.ok() && !reply->is_error());
  }
  server_->Kill9();
  ASSERT_TRUE(AwaitHealth(*client_, false, absl::Seconds(2)).ok());
  // Down: commands fail fast with UNAVAILABLE instead of queueing.
  const absl::Time sent = absl::Now();
  auto down = client_->CommandSync({"GET", "x"});
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - sent, absl::Milliseconds(100));

  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(AwaitHealth(*client_, true, absl::Seconds(5)).ok());
  auto length = client_->CommandSync({"XLEN", "log"});
  ASSERT_TRUE(length.ok());
  EXPECT_EQ(length->integer, 100);  // appendfsync always: every acknowledged XADD is there
}

TEST_F(RedisClientTest, StalledRedisFailsCallsWithinTheirTimeoutAndHealthFollows) {
  server_->Pause();
  const absl::Time sent = absl::Now();
  auto stalled = client_->CommandSync({"SET", "a", "1"});
  EXPECT_EQ(stalled.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - sent, absl::Milliseconds(500 + 100));
  auto went_down = AwaitHealth(*client_, false, absl::Seconds(2));
  EXPECT_TRUE(went_down.ok()) << "health must turn within 2 s of a stall";

  server_->Resume();
  auto came_back = AwaitHealth(*client_, true, absl::Seconds(2));
  EXPECT_TRUE(came_back.ok()) << "health must return within 2 s";
  auto after = client_->CommandSync({"GET", "a"});
  ASSERT_TRUE(after.ok());
}

TEST(RedisClientNoServerTest, StartsWithoutRedisAndIsUnhealthy) {
  RedisOptions options;
  options.port = testing::FreeTcpPort();
  auto client = RedisClient::Start(options);
  EXPECT_FALSE(client->healthy());
  EXPECT_EQ(client->CommandSync({"PING"}).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace casework::redis
