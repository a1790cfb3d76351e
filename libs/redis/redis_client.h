// An asynchronous Redis client: hiredis on a libevent loop that runs on the client's own thread.
// Any thread may send commands; replies arrive on the loop thread (callbacks must not block).
//
// Failure behaviour, which the services' promises rest on:
//  - while disconnected, a command fails at once with UNAVAILABLE (fail fast, never queue);
//  - a command without a reply within `command_timeout` fails with UNAVAILABLE. Its effect is
//    then unknown (Redis may still run it), so writers make commands idempotent (request ids);
//  - a PING every `ping_interval` that misses `ping_timeout` marks the client unhealthy and drops
//    the connection; reconnection retries with exponential backoff. `healthy()` feeds the
//    services' health status.
#ifndef LIBS_REDIS_REDIS_CLIENT_H_
#define LIBS_REDIS_REDIS_CLIENT_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/redis/redis_value.h"

struct event_base;
struct event;
struct redisAsyncContext;

namespace casework::redis {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_socket;  // used instead of host:port when set
  absl::Duration command_timeout = absl::Seconds(2);
  absl::Duration ping_interval = absl::Milliseconds(250);
  absl::Duration ping_timeout = absl::Milliseconds(750);
  absl::Duration reconnect_min = absl::Milliseconds(50);
  absl::Duration reconnect_max = absl::Seconds(1);
};

class RedisClient {
 public:
  using ReplyCallback = absl::AnyInvocable<void(absl::StatusOr<RedisValue>) &&>;

  // Starts the loop thread and the first connection attempt. Redis need not be up yet.
  static std::unique_ptr<RedisClient> Start(RedisOptions options);
  ~RedisClient();

  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Sends a command; `done` runs exactly once on the loop thread. Error replies from Redis
  // arrive as a RedisValue of type kError; transport failures as UNAVAILABLE.
  void Command(std::vector<std::string> args, ReplyCallback done);

  // For start-up code and tests: waits for the reply. Never call it on the loop thread.
  absl::StatusOr<RedisValue> CommandSync(std::vector<std::string> args);

  // Connected, and the last health PING answered in time.
  bool healthy() const { return healthy_.load(); }

  // Blocks until healthy() or `timeout` passes (start-up and tests); returns healthy().
  bool WaitUntilHealthy(absl::Duration timeout) const;

 private:
  struct Pending;
  struct Queued {
    std::vector<std::string> args;
    ReplyCallback done;
  };

  explicit RedisClient(RedisOptions options);
  void Run();
  void DrainQueue();
  void Send(Queued queued);
  void Dispatch(const std::vector<std::string>& args, ReplyCallback done, absl::Duration timeout);
  void Connect();
  void Drop();
  void ScheduleReconnect();
  void Ping();

  static void OnWake(int fd, short what, void* self);
  static void OnReconnectTimer(int fd, short what, void* self);
  static void OnPingTimer(int fd, short what, void* self);
  static void OnDropRequested(int fd, short what, void* self);
  static void OnCommandTimeout(int fd, short what, void* pending);
  static void OnConnect(const redisAsyncContext* context, int status);
  static void OnDisconnect(const redisAsyncContext* context, int status);
  static void OnReply(redisAsyncContext* context, void* reply, void* pending);

  const RedisOptions options_;
  event_base* base_ = nullptr;
  event* wake_ = nullptr;
  event* reconnect_timer_ = nullptr;
  event* ping_timer_ = nullptr;
  event* drop_ = nullptr;  // drops a stalled connection outside any hiredis callback
  // Loop-thread state.
  redisAsyncContext* context_ = nullptr;
  bool connected_ = false;
  bool ping_in_flight_ = false;
  bool dropping_ = false;
  absl::Duration backoff_;

  std::atomic<bool> healthy_{false};
  absl::Mutex mu_;
  std::vector<Queued> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread loop_;
};

}  // namespace casework::redis

#endif  // LIBS_REDIS_REDIS_CLIENT_H_
