// One Redis pub/sub subscription per process, used as a wake-up only: the notification service
// learns "session X has new events" from it and reads the content from the session's stream, so a
// lost message costs latency, never data. On every (re)connection `on_subscribed` runs, telling
// watchers to re-read their streams: whatever was published while the connection was down is
// recovered from the streams, in order.
#ifndef LIBS_REDIS_REDIS_SUBSCRIBER_H_
#define LIBS_REDIS_REDIS_SUBSCRIBER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"
#include "libs/redis/redis_client.h"

struct event_base;
struct event;
struct redisAsyncContext;

namespace casework::redis {

struct SubscriberCallbacks {
  // A message on a channel matching the pattern (runs on the subscriber's loop thread).
  std::function<void(absl::string_view channel, absl::string_view payload)> on_message;
  // The subscription is (again) active; anything published before may have been missed.
  std::function<void()> on_subscribed;
};

class RedisSubscriber {
 public:
  // Subscribes to `pattern` (PSUBSCRIBE) and keeps the subscription across reconnections.
  static std::unique_ptr<RedisSubscriber> Start(RedisOptions options, std::string pattern,
                                                SubscriberCallbacks callbacks);
  ~RedisSubscriber();

  bool subscribed() const { return subscribed_.load(); }

 private:
  RedisSubscriber(RedisOptions options, std::string pattern, SubscriberCallbacks callbacks);
  void Connect();
  void ScheduleReconnect();

  static void OnReconnectTimer(int fd, short what, void* self);
  static void OnStop(int fd, short what, void* self);
  static void OnConnect(const redisAsyncContext* context, int status);
  static void OnDisconnect(const redisAsyncContext* context, int status);
  static void OnMessage(redisAsyncContext* context, void* reply, void* self);

  const RedisOptions options_;
  const std::string pattern_;
  const SubscriberCallbacks callbacks_;
  event_base* base_ = nullptr;
  event* reconnect_timer_ = nullptr;
  event* stop_ = nullptr;
  redisAsyncContext* context_ = nullptr;  // loop thread only
  bool stopping_ = false;                 // loop thread only
  absl::Duration backoff_;
  std::atomic<bool> subscribed_{false};
  std::thread loop_;
};

}  // namespace casework::redis

#endif  // LIBS_REDIS_REDIS_SUBSCRIBER_H_
