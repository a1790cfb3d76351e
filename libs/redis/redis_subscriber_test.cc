// RedisSubscriber against a private redis-server: pattern delivery, and re-subscription (with
// the "you may have missed messages" signal) after Redis is killed and restarted.
#include "libs/redis/redis_subscriber.h"

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "libs/redis/redis_test_env.h"

namespace casework::redis {
namespace {

// What the subscriber saw, with waits for it.
class Recorder {
 public:
  SubscriberCallbacks Callbacks() {
    return SubscriberCallbacks{
        [this](absl::string_view channel, absl::string_view payload) {
          absl::MutexLock lock(&mu_);
          messages_.push_back(std::string(channel) + "=" + std::string(payload));
        },
        [this] {
          absl::MutexLock lock(&mu_);
          ++subscriptions_;
        }};
  }
  bool AwaitSubscriptions(int n) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return subscriptions_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(10));
  }
  bool AwaitMessages(size_t n) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return messages_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Seconds(10));
  }
  std::vector<std::string> messages() {
    absl::MutexLock lock(&mu_);
    return messages_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> messages_ ABSL_GUARDED_BY(mu_);
  int subscriptions_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(RedisSubscriberTest, DeliversMatchingMessagesAndResubscribesAfterARestart) {
  auto env = RedisTestEnv::Start();
  ASSERT_TRUE(env.ok()) << env.status();
  Recorder recorder;
  RedisOptions options;
  options.port = env->server->port();
  auto subscriber = RedisSubscriber::Start(options, "cw:*:wake", recorder.Callbacks());
  ASSERT_TRUE(recorder.AwaitSubscriptions(1));

  ASSERT_TRUE(env->client->CommandSync({"PUBLISH", "cw:o1:{t1/s1}:wake", "7"}).ok());
  ASSERT_TRUE(env->client->CommandSync({"PUBLISH", "unrelated", "x"}).ok());
  ASSERT_TRUE(env->client->CommandSync({"PUBLISH", "cw:o2:{t9/s2}:wake", "1"}).ok());
  ASSERT_TRUE(recorder.AwaitMessages(2));
  EXPECT_EQ(recorder.messages(),
            (std::vector<std::string>{"cw:o1:{t1/s1}:wake=7", "cw:o2:{t9/s2}:wake=1"}));

  env->server->Kill9();
  ASSERT_TRUE(env->server->Restart().ok());
  // The second subscription is the signal to re-read streams for anything missed meanwhile.
  ASSERT_TRUE(recorder.AwaitSubscriptions(2));
  EXPECT_TRUE(subscriber->subscribed());
  ASSERT_TRUE(env->client->WaitUntilHealthy(absl::Seconds(5)));
  ASSERT_TRUE(env->client->CommandSync({"PUBLISH", "cw:o1:{t1/s1}:wake", "8"}).ok());
  ASSERT_TRUE(recorder.AwaitMessages(3));
  EXPECT_EQ(recorder.messages().back(), "cw:o1:{t1/s1}:wake=8");
}

}  // namespace
}  // namespace casework::redis
