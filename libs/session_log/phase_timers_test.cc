// PhaseTimers against a private redis-server: due timers are claimed once per lease, across
// competing claimers, and survive a Redis restart.
#include "libs/session_log/phase_timers.h"

#include <future>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/redis/redis_test_env.h"

namespace casework::session {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

class PhaseTimersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = redis::RedisTestEnv::Start();
    ASSERT_TRUE(env.ok()) << env.status();
    server_ = std::move(env->server);
    client_ = std::move(env->client);
    timers_ = std::make_unique<PhaseTimers>(*client_);
  }

  absl::Status Schedule(const std::string& session, absl::Time due) {
    std::promise<absl::Status> done;
    timers_->Schedule(session, due, [&](absl::Status s) { done.set_value(s); });
    return done.get_future().get();
  }

  std::vector<std::string> Claim(absl::Time now, absl::Duration lease = absl::Seconds(10)) {
    std::promise<absl::StatusOr<std::vector<std::string>>> done;
    timers_->ClaimDue(now, lease, 100, [&](absl::StatusOr<std::vector<std::string>> claimed) {
      done.set_value(std::move(claimed));
    });
    auto claimed = done.get_future().get();
    EXPECT_TRUE(claimed.ok()) << claimed.status();
    return claimed.ok() ? *claimed : std::vector<std::string>{};
  }

  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<redis::RedisClient> client_;
  std::unique_ptr<PhaseTimers> timers_;
};

TEST_F(PhaseTimersTest, OnlyDueTimersAreClaimedAndALeaseHidesThem) {
  ASSERT_TRUE(Schedule("s-early", kT0 + absl::Seconds(1)).ok());
  ASSERT_TRUE(Schedule("s-late", kT0 + absl::Minutes(5)).ok());
  EXPECT_TRUE(Claim(kT0).empty());
  EXPECT_EQ(Claim(kT0 + absl::Seconds(2)), std::vector<std::string>{"s-early"});
  // Leased: not claimable again until the lease runs out (a crashed claimer's work comes back).
  EXPECT_TRUE(Claim(kT0 + absl::Seconds(3)).empty());
  EXPECT_EQ(Claim(kT0 + absl::Seconds(13)), std::vector<std::string>{"s-early"});
}

TEST_F(PhaseTimersTest, RescheduleAndCancel) {
  ASSERT_TRUE(Schedule("s", kT0).ok());
  ASSERT_TRUE(Schedule("s", kT0 + absl::Minutes(1)).ok());  // moved: one entry per session
  EXPECT_TRUE(Claim(kT0 + absl::Seconds(1)).empty());
  std::promise<absl::Status> cancelled;
  timers_->Cancel("s", [&](absl::Status s) { cancelled.set_value(s); });
  ASSERT_TRUE(cancelled.get_future().get().ok());
  EXPECT_TRUE(Claim(kT0 + absl::Hours(1)).empty());
}

TEST_F(PhaseTimersTest, CompetingClaimersNeverShareATimer) {
  constexpr int kSessions = 200;
  for (int i = 0; i < kSessions; ++i) {
    ASSERT_TRUE(Schedule(absl::StrCat("s-", i), kT0).ok());
  }
  std::mutex mu;
  std::multiset<std::string> claimed;
  std::vector<std::thread> claimers;
  for (int c = 0; c < 4; ++c) {
    claimers.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        for (std::string& session : Claim(kT0 + absl::Seconds(1))) {
          std::lock_guard<std::mutex> lock(mu);
          claimed.insert(std::move(session));
        }
      }
    });
  }
  for (auto& claimer : claimers) claimer.join();
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kSessions));
  for (const std::string& session : claimed) EXPECT_EQ(claimed.count(session), 1u) << session;
}

TEST_F(PhaseTimersTest, TimersSurviveARedisRestart) {
  ASSERT_TRUE(Schedule("s-durable", kT0).ok());
  server_->Kill9();
  ASSERT_TRUE(server_->Restart().ok());
  ASSERT_TRUE(client_->WaitUntilHealthy(absl::Seconds(5)));
  EXPECT_EQ(Claim(kT0 + absl::Seconds(1)), std::vector<std::string>{"s-durable"});
}

}  // namespace
}  // namespace casework::session
