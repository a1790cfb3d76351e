// The wake-up subscription: hiredis in subscribe mode on its own libevent loop.
#include "libs/redis/redis_subscriber.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <hiredis/async.h>

#include <cstring>

#include "libs/redis/async_connect.h"

namespace casework::redis {

std::unique_ptr<RedisSubscriber> RedisSubscriber::Start(RedisOptions options, std::string pattern,
                                                        SubscriberCallbacks callbacks) {
  evthread_use_pthreads();
  std::unique_ptr<RedisSubscriber> subscriber(
      new RedisSubscriber(std::move(options), std::move(pattern), std::move(callbacks)));
  subscriber->loop_ = std::thread([s = subscriber.get()] {
    s->Connect();
    event_base_loop(s->base_, EVLOOP_NO_EXIT_ON_EMPTY);
  });
  return subscriber;
}

RedisSubscriber::RedisSubscriber(RedisOptions options, std::string pattern,
                                 SubscriberCallbacks callbacks)
    : options_(std::move(options)),
      pattern_(std::move(pattern)),
      callbacks_(std::move(callbacks)),
      backoff_(options_.reconnect_min) {
  base_ = event_base_new();
  reconnect_timer_ = evtimer_new(base_, &RedisSubscriber::OnReconnectTimer, this);
  stop_ = event_new(base_, -1, 0, &RedisSubscriber::OnStop, this);
}

RedisSubscriber::~RedisSubscriber() {
  event_active(stop_, EV_READ, 0);
  loop_.join();
  event_free(stop_);
  event_free(reconnect_timer_);
  event_base_free(base_);
}

void RedisSubscriber::OnStop(int, short, void* self_ptr) {
  auto* self = static_cast<RedisSubscriber*>(self_ptr);
  self->stopping_ = true;
  if (self->context_ != nullptr) redisAsyncFree(self->context_);
  self->context_ = nullptr;
  event_base_loopbreak(self->base_);
}

void RedisSubscriber::Connect() {
  context_ = StartAsyncConnect(options_, base_, this, &RedisSubscriber::OnConnect,
                               &RedisSubscriber::OnDisconnect);
  if (context_ == nullptr) {
    ScheduleReconnect();
    return;
  }
  // Queued until connected; its callback then runs for the confirmation and every message.
  redisAsyncCommand(context_, &RedisSubscriber::OnMessage, this, "PSUBSCRIBE %b", pattern_.data(),
                    pattern_.size());
}

void RedisSubscriber::ScheduleReconnect() {
  if (stopping_) return;
  timeval delay = absl::ToTimeval(backoff_);
  evtimer_add(reconnect_timer_, &delay);
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
}

void RedisSubscriber::OnReconnectTimer(int, short, void* self) {
  static_cast<RedisSubscriber*>(self)->Connect();
}

void RedisSubscriber::OnConnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisSubscriber*>(context->data);
  if (status != REDIS_OK) {
    self->context_ = nullptr;  // hiredis frees it after this callback
    self->ScheduleReconnect();
  }
}

void RedisSubscriber::OnDisconnect(const redisAsyncContext* context, int) {
  auto* self = static_cast<RedisSubscriber*>(context->data);
  self->context_ = nullptr;  // hiredis frees it after this callback
  self->subscribed_ = false;
  self->ScheduleReconnect();
}

void RedisSubscriber::OnMessage(redisAsyncContext*, void* reply_ptr, void* self_ptr) {
  auto* self = static_cast<RedisSubscriber*>(self_ptr);
  auto* reply = static_cast<redisReply*>(reply_ptr);
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return;
  const redisReply* kind = reply->element[0];
  if (std::strcmp(kind->str, "psubscribe") == 0) {
    self->backoff_ = self->options_.reconnect_min;
    self->subscribed_ = true;
    if (self->callbacks_.on_subscribed) self->callbacks_.on_subscribed();
    return;
  }
  // ["pmessage", pattern, channel, payload]
  if (std::strcmp(kind->str, "pmessage") == 0 && reply->elements == 4 &&
      self->callbacks_.on_message) {
    self->callbacks_.on_message(absl::string_view(reply->element[2]->str, reply->element[2]->len),
                                absl::string_view(reply->element[3]->str, reply->element[3]->len));
  }
}

}  // namespace casework::redis
