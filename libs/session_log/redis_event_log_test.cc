// RedisEventLog against a private redis-server with the project's config.
#include "libs/session_log/redis_event_log.h"

#include <hiredis/hiredis.h>

#include <future>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/redis/redis_test_env.h"
#include "libs/session_log/session_keys.h"
#include "libs/status/errors.h"

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
                                       std::string request_id = "", std::string fingerprint = "f",
                                       FollowUps follow_ups = {}, std::string protocol = "") {
    AppendRequest request{kSession,
                          expected,
                          std::move(request_id),
                          std::move(fingerprint),
                          std::move(events),
                          absl::StrCat("response@", expected),
                          std::move(protocol),
                          std::move(follow_ups),
                          QuotaCharge()};
    return Await<AppendOutcome>(
        [&](LogCallback<AppendOutcome> done) { log_->Append(request, std::move(done)); });
  }

  absl::StatusOr<StoredSession> Load() {
    return Await<StoredSession>(
        [&](LogCallback<StoredSession> done) { log_->Load(kSession, std::move(done)); });
  }

  absl::StatusOr<bool> Snapshot(int64_t version, std::string bytes) {
    return Await<bool>([&](LogCallback<bool> done) {
      log_->StoreSnapshot(kSession, version, std::move(bytes), std::move(done));
    });
  }

  // A command on the private server, its reply as a string ("" for nil).
  std::string Raw(std::vector<std::string> command) {
    auto reply = Await<redis::RedisValue>([&](LogCallback<redis::RedisValue> done) {
      client_->Command(std::move(command), std::move(done));
    });
    if (!reply.ok()) return "error";
    return reply->type == redis::RedisValue::Type::kInteger ? std::to_string(reply->integer)
                                                            : reply->str;
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

  // No snapshot yet: a load gets every event to fold.
  auto loaded = Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->version, 5);
  EXPECT_EQ(loaded->state_version, 0);
  EXPECT_TRUE(loaded->state.empty());
  ASSERT_EQ(loaded->tail.size(), 5u);
  EXPECT_EQ(loaded->tail[4].data, "c");
}

// An append writes the events and what they imply, never the session: the bytes Redis keeps for
// a command grow with the command, not with the session.
TEST_F(RedisEventLogTest, AnAppendWritesItsEventsAndFollowUpsNotTheSession) {
  FollowUps created;
  created.team_listing = absl::FromUnixMillis(1000);
  created.timer_changed = true;
  created.timer_due = absl::FromUnixMillis(5000);
  ASSERT_TRUE(Append(0, {"created"}, "r1", "f", created, "protocol-bytes").ok());
  auto keys = SessionKeys::For(kSession);
  EXPECT_EQ(Raw({"ZSCORE", keys->team_index, kSession}), "1000");
  EXPECT_EQ(Raw({"ZSCORE", "cw:phase-timers", kSession}), "5000");
  EXPECT_EQ(Raw({"HGET", keys->snapshot, "protocol"}), "protocol-bytes");
  EXPECT_EQ(Raw({"HGET", keys->snapshot, "state"}), "");
  FollowUps running;
  running.running_changed = true;
  running.running_protocol = "intervision";
  running.timer_changed = true;  // and removed
  ASSERT_TRUE(Append(1, {"started"}, "r2", "f", running).ok());
  EXPECT_EQ(Raw({"HGET", "cw:sessions-active", kSession}), "intervision");
  EXPECT_EQ(Raw({"ZSCORE", "cw:phase-timers", kSession}), "");
  FollowUps ended;
  ended.running_changed = true;
  ended.record_owed = absl::FromUnixMillis(7000);
  ASSERT_TRUE(Append(2, {"ended"}, "r3", "f", ended).ok());
  EXPECT_EQ(Raw({"HGET", "cw:sessions-active", kSession}), "");
  EXPECT_EQ(Raw({"ZSCORE", "cw:record-outbox", kSession}), "7000");
  // A retry writes nothing more (the follow-ups went with the original).
  Raw({"ZREM", "cw:record-outbox", kSession});
  ASSERT_TRUE(Append(2, {"ended"}, "r3", "f", ended)->duplicate);
  EXPECT_EQ(Raw({"ZSCORE", "cw:record-outbox", kSession}), "");
}

TEST_F(RedisEventLogTest, SnapshotsAreMonotonicAndALoadFoldsOnlyTheTail) {
  ASSERT_TRUE(Append(0, {"e1", "e2", "e3"}, "", "f", {}, "protocol-bytes").ok());
  EXPECT_FALSE(*Snapshot(4, "state@4"));  // ahead of the log: ignored
  EXPECT_TRUE(*Snapshot(2, "state@2"));
  EXPECT_FALSE(*Snapshot(1, "state@1"));  // older than the stored one: ignored
  ASSERT_TRUE(Append(3, {"e4"}).ok());
  auto loaded = Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->version, 4);
  EXPECT_EQ(loaded->state_version, 2);
  EXPECT_EQ(loaded->state, "state@2");
  EXPECT_EQ(loaded->protocol, "protocol-bytes");
  ASSERT_EQ(loaded->tail.size(), 2u);
  EXPECT_EQ(loaded->tail[0].sequence, 3);
  EXPECT_EQ(loaded->tail[1].data, "e4");
  auto missing = Await<StoredSession>([&](LogCallback<StoredSession> done) {
    log_->Load("organizations/o1/teams/t1/sessions/nope", std::move(done));
  });
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

// A session stored whole before log v2 (state at its version, no state_version) reads as a
// snapshot at the head, and its first v2 append pins that version before moving the head.
TEST_F(RedisEventLogTest, ASnapshotStoredWholeBeforeV2StandsAtItsVersion) {
  ASSERT_TRUE(Append(0, {"e1", "e2"}).ok());
  auto keys = SessionKeys::For(kSession);
  Raw({"HSET", keys->snapshot, "state", "whole@2"});
  auto before = Load();
  EXPECT_EQ(before->state_version, 2);
  EXPECT_TRUE(before->tail.empty());
  ASSERT_TRUE(Append(2, {"e3"}).ok());
  auto after = Load();
  EXPECT_EQ(after->state_version, 2);
  EXPECT_EQ(after->state, "whole@2");
  ASSERT_EQ(after->tail.size(), 1u);
  EXPECT_EQ(after->tail[0].data, "e3");
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
          auto loaded = Load();
          int64_t version = loaded.ok() ? loaded->version : 0;
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
