// Multithreaded stress on the gRPC-free cores, built with ThreadSanitizer (script/lib/tsan): the
// session engine deciding whole sessions on many threads over the shared protocol registry and
// content-check cache; the records domain core on the SQLite store with its reader and writer
// threads, called from many threads at once; the Redis client sending from many threads while
// its event-loop thread answers. Each also checks its result, but the point is that TSan reports
// nothing (any report fails the binary: halt_on_error).
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "libs/redis/redis_test_env.h"
#include "libs/testing/test_tokens.h"
#include "services/records/domain/clock.h"
#include "services/records/domain/records_core.h"
#include "services/records/store/hmac_authenticator.h"
#include "services/records/store/sqlite_record_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace casework {
namespace {

namespace v1 = ::casework::v1;
constexpr int kThreads = 8;

template <typename Body>
void OnThreads(int count, Body body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < count; ++t) threads.emplace_back([&body, t] { body(t); });
  for (std::thread& thread : threads) thread.join();
}

// The session engine fuzzer's body (whole sessions of every protocol, invariants checked) run on
// random inputs from every thread at once.
TEST(CoreStressTest, SessionEngineDecidesOnManyThreads) {
  OnThreads(kThreads, [](int t) {
    std::mt19937 random(static_cast<uint32_t>(t));
    for (int i = 0; i < 60; ++i) {
      std::vector<uint8_t> bytes(64 + random() % 512);
      for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(random());
      LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    }
  });
}

// Waits for `count` replies.
class Replies {
 public:
  void Done(bool ok) {
    absl::MutexLock lock(&mu_);
    ++done_;
    failed_ += ok ? 0 : 1;
  }
  void Await(int count) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, count] { return done_ >= count; };
    mu_.Await(absl::Condition(&reached));
  }
  int failed() {
    absl::MutexLock lock(&mu_);
    return failed_;
  }

 private:
  absl::Mutex mu_;
  int done_ = 0;
  int failed_ = 0;
};

TEST(CoreStressTest, RecordsCoreOnSqliteFromManyThreads) {
  const std::string dir = ::testing::TempDir();
  records::SqliteStoreOptions options;
  options.path = absl::StrCat(dir, "/tsan-records-", getpid(), ".db");
  options.readers = 3;
  records::SystemClock clock;
  auto store = records::SqliteRecordStore::Open(options, clock);
  ASSERT_TRUE(store.ok()) << store.status();
  auto authenticator = records::HmacAuthenticator::WithRandomSecret();
  auto core = std::make_unique<records::RecordsCore>(**store, clock, *authenticator);

  records::CallInfo admin{testing::MakePrincipal("admin-1", "o1", {"admin"}),
                          "/casework.v1.RecordsService/CreateTeam"};
  v1::CreateTeamRequest team;
  team.set_parent("organizations/o1");
  team.set_team_id("t1");
  team.set_request_id("team-1");
  team.mutable_team()->set_display_name("Stress team");
  v1::TeamMember* member = team.mutable_team()->add_members();
  member->set_subject("sup-1");
  member->add_roles(v1::TEAM_ROLE_SUPERVISOR);
  member = team.mutable_team()->add_members();
  member->set_subject("cw-1");
  member->add_roles(v1::TEAM_ROLE_CASEWORKER);
  absl::Notification created;
  core->CreateTeam(admin, team, [&created](absl::StatusOr<v1::Team> result) {
    EXPECT_TRUE(result.ok()) << result.status();
    created.Notify();
  });
  created.WaitForNotification();

  constexpr int kPerThread = 40;
  // Requests live until their replies (the core's lifetime rule): one slot per call.
  std::vector<v1::CreateCaseRequest> creates(kThreads * kPerThread);
  std::vector<v1::ListCasesRequest> lists(kThreads * kPerThread);
  Replies replies;
  OnThreads(kThreads, [&](int t) {
    records::CallInfo supervisor{testing::MakePrincipal("sup-1", "o1", {"supervisor"}, {"t1"}),
                                 "/casework.v1.RecordsService/CreateCase"};
    for (int i = 0; i < kPerThread; ++i) {
      const int slot = t * kPerThread + i;
      v1::CreateCaseRequest& create = creates[slot];
      create.set_parent("organizations/o1/teams/t1");
      create.set_request_id(absl::StrCat("case-", slot % (kThreads * kPerThread / 2)));
      create.mutable_case_()->set_reference(
          absl::StrCat("ref-", slot % (kThreads * kPerThread / 2)));
      create.mutable_case_()->set_risk_level(v1::RISK_LEVEL_LOW);
      create.mutable_case_()->set_caseworker("cw-1");
      core->CreateCase(supervisor, create,
                       [&replies](absl::StatusOr<v1::Case> result) { replies.Done(result.ok()); });
      v1::ListCasesRequest& list = lists[slot];
      list.set_parent("organizations/o1/teams/t1");
      list.set_page_size(5);
      core->ListCases(supervisor, list, [&replies](absl::StatusOr<v1::ListCasesResponse> result) {
        replies.Done(result.ok());
      });
    }
  });
  replies.Await(2 * kThreads * kPerThread);
  EXPECT_EQ(replies.failed(), 0);
  core.reset();
  store->reset();
}

TEST(CoreStressTest, RedisClientFromManyThreads) {
  auto env = redis::RedisTestEnv::Start();
  ASSERT_TRUE(env.ok()) << env.status();
  constexpr int kPerThread = 300;
  Replies replies;
  OnThreads(kThreads, [&](int t) {
    for (int i = 0; i < kPerThread; ++i) {
      env->client->Command({"INCR", "tsan:counter"},
                           [&replies](absl::StatusOr<redis::RedisValue> value) {
                             replies.Done(value.ok() && !value->is_error());
                           });
      if (i % 50 == 0) {
        env->client->Command(
            {"SET", absl::StrCat("tsan:key:", t), absl::StrCat(i)},
            [&replies](absl::StatusOr<redis::RedisValue> value) { replies.Done(value.ok()); });
      }
    }
  });
  replies.Await(kThreads * (kPerThread + kPerThread / 50));
  EXPECT_EQ(replies.failed(), 0);
  auto counter = env->client->CommandSync({"GET", "tsan:counter"});
  ASSERT_TRUE(counter.ok());
  EXPECT_EQ(counter->str, absl::StrCat(kThreads * kPerThread));
}

}  // namespace
}  // namespace casework
