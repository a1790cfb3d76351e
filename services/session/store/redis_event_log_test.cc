// RedisEventLog against a private redis-server with the project's config.
#include "services/session/store/redis_event_log.h"

#include <hiredis/hiredis.h>

#include <future>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/redis/redis_test_env.h"
#include "libs/status/errors.h"
#include "services/session/store/session_keys.h"

namespace casework::session {
namespace {

constexpr char kSession[] = "organizations/o1/teams/t1/sessions/s1";

template <typename T>
absl::StatusOr<T> Await(absl::AnyInvocable<void(LogCallback<T>)> start) {
  std::promise<absl::StatusOr<T>> promise;
  auto future = promise.get_future();
  start([&promise](absl::StatusOr<T> result) { promise.set_value(std::move(result)); });
  return future.get();
}

class RedisEventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = redis::RedisTestEnv::Start();
    ASSERT_TRUE(env.ok()) << env.status();
    server_ = std::move(env->server);
    client_ = std::move(env->client);
    log_ = std::make_unique<RedisEventLog>(*client_);
  }

  absl::StatusOr<AppendOutcome> Append(int64_t expected, std::vector<std::string> events,
                                       std::string request_id = "", std::string fingerprint = "f") {
    AppendRequest request{kSession,
                          expected,
                          std::move(request_id),
                          std::move(fingerprint),
                          std::move(events),
                          absl::StrCat("state@", expected),
                          absl::StrCat("response@", expected),
                          ""};
    return Await<AppendOutcome>(
        [&](LogCallback<AppendOutcome> done) { log_->Append(request, std::move(done)); });
  }

  absl::StatusOr<std::vector<StoredEvent>> Read(int64_t after, int count = 1000) {
    return Await<std::vector<StoredEvent>>([&](LogCallback<std::vector<StoredEvent>> done) {
      log_->ReadAfter(kSession, after, count, std::move(done));
    });
  }

  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<redis::RedisClient> client_;
  std::unique_ptr<RedisEventLog> log_;
};

TEST(SessionKeysTest, PrefixedByOrganisationAndTaggedBySession) {
  auto keys = SessionKeys::For(kSession);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->log, "cw:o1:{t1/s1}:log");
  EXPECT_EQ(keys->snapshot, "cw:o1:{t1/s1}:snap");
  EXPECT_EQ(keys->channel, "cw:o1:{t1/s1}:wake");
  EXPECT_FALSE(SessionKeys::For("organizations/o1/teams/t1").ok());
  EXPECT_FALSE(SessionKeys::For("organizations/o{x}/teams/t1/sessions/s1").ok());
  EXPECT_FALSE(SessionKeys::For("organizations/o1/cases/t1/sessions/s1").ok());
}

TEST_F(RedisEventLogTest, AppendsAreReadBackInSequence) {
  auto first = Append(0, {"created", "joined"});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->version, 2);
  EXPECT_FALSE(first->duplicate);
  auto second = Append(2, {"a", "b", "c"});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->version, 5);

  auto all = Read(0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ((*all)[i].sequence, i + 1);
  EXPECT_EQ((*all)[2].data, "a");
  auto tail = Read(3, 1);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ((*tail)[0].sequence, 4);

  auto snapshot = Await<StoredSnapshot>(
      [&](LogCallback<StoredSnapshot> done) { log_->LoadSnapshot(kSession, std::move(done)); });
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->version, 5);
  EXPECT_EQ(snapshot->state, "state@2");
}

TEST_F(RedisEventLogTest, TheProtocolIsStoredOnceBesideTheSnapshotAndReadBehindIt) {
  auto load = [&] {
    return Await<StoredSnapshot>(
        [&](LogCallback<StoredSnapshot> done) { log_->LoadSnapshot(kSession, std::move(done)); });
  };
  ASSERT_TRUE(Append(0, {"created"}).ok());
  EXPECT_FALSE(load()->protocol_apart);  // stored whole, as before the split
  AppendRequest request{kSession, 1, "", "f", {"e2"}, "state@1", "response@1", "protocol-1"};
  ASSERT_TRUE(Await<AppendOutcome>([&](LogCallback<AppendOutcome> done) {
                log_->Append(request, std::move(done));
              }).ok());
  request = AppendRequest{kSession, 2, "", "f", {"e3"}, "state@2", "response@2", "protocol-2"};
  ASSERT_TRUE(Await<AppendOutcome>([&](LogCallback<AppendOutcome> done) {
                log_->Append(request, std::move(done));
              }).ok());
  auto snapshot = load();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_TRUE(snapshot->protocol_apart);
  EXPECT_EQ(snapshot->version, 3);
  EXPECT_EQ(snapshot->state, "state@2protocol-1");  // the first protocol stays
}

TEST_F(RedisEventLogTest, StaleVersionIsAbortedAndChangesNothing) {
  ASSERT_TRUE(Append(0, {"e1", "e2"}).ok());
  auto stale = Append(1, {"late"});
  ASSERT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ErrorReason(stale.status()), "CONCURRENT_MODIFICATION");
  EXPECT_EQ(GetErrorInfo(stale.status())->metadata().at("current_version"), "2");
  EXPECT_EQ(Read(0)->size(), 2u);
}

TEST_F(RedisEventLogTest, RetryReturnsTheOriginalResponseAndReuseIsRefused) {
  auto original = Append(0, {"e1"}, "req-1", "payload-a");
  ASSERT_TRUE(original.ok());
  auto retry = Append(0, {"e1"}, "req-1", "payload-a");
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->response, "response@0");
  auto reuse = Append(1, {"other"}, "req-1", "payload-b");
  EXPECT_EQ(reuse.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(reuse.status()), "REQUEST_ID_REUSED");
  EXPECT_EQ(Read(0)->size(), 1u);
}

TEST_F(RedisEventLogTest, AppendPublishesTheNewVersion) {
  redisContext* subscriber = redisConnect("127.0.0.1", server_->port());
  ASSERT_TRUE(subscriber != nullptr && subscriber->err == 0);
  timeval timeout{5, 0};
  redisSetTimeout(subscriber, timeout);
  freeReplyObject(
      redisCommand(subscriber, "SUBSCRIBE %s", SessionKeys::For(kSession)->channel.c_str()));
  ASSERT_TRUE(Append(0, {"e1", "e2", "e3"}).ok());
  void* raw = nullptr;
  ASSERT_EQ(redisGetReply(subscriber, &raw), REDIS_OK);
  auto* message = static_cast<redisReply*>(raw);
  ASSERT_EQ(message->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(message->elements, 3u);
  EXPECT_EQ(std::string(message->element[2]->str), "3");
  freeReplyObject(message);
  redisFree(subscriber);
}

// Writers that race on one session: each reads the version, appends on it, and on ABORTED
// decides again. The log stays contiguous and every writer's events appear exactly once.
TEST_F(RedisEventLogTest, RacingWritersKeepTheLogContiguous) {
  constexpr int kWriters = 4, kEach = 100;
  std::vector<std::thread> writers;
  std::atomic<int> conflicts{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        while (true) {
          auto snapshot = Await<StoredSnapshot>([&](LogCallback<StoredSnapshot> done) {
            log_->LoadSnapshot(kSession, std::move(done));
          });
          int64_t version = snapshot.ok() ? snapshot->version : 0;
          auto appended = Append(version, {absl::StrCat(w, "/", i)}, absl::StrCat(w, "/", i));
          if (appended.ok()) break;
          ASSERT_EQ(appended.status().code(), absl::StatusCode::kAborted) << appended.status();
          ++conflicts;
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  auto all = Read(0, kWriters * kEach + 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), static_cast<size_t>(kWriters * kEach));
  std::map<std::string, int> seen;
  for (size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].sequence, static_cast<int64_t>(i + 1));
    ++seen[(*all)[i].data];
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kWriters * kEach));
  std::cout << "conflicts retried: " << conflicts.load() << "\n";
}

TEST_F(RedisEventLogTest, AcknowledgedAppendsSurviveKill9AndTheScriptIsReloaded) {
  int64_t version = 0;
  for (int i = 0; i < 50; ++i) {
    auto appended = Append(version, {absl::StrCat("e", i)});
    ASSERT_TRUE(appended.ok());
    version = appended->version;
  }
  server_->Kill9();
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(client_->WaitUntilHealthy(absl::Seconds(5)));
  auto all = Read(0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 50u);
  // The restarted Redis has an empty script cache: EVALSHA fails with NOSCRIPT, EVAL follows.
  auto after = Append(50, {"after-restart"});
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->version, 51);
}

}  // namespace
}  // namespace casework::session
