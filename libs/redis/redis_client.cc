// hiredis + libevent plumbing of RedisClient. Everything that touches hiredis runs on the loop
// thread; other threads only append to `queue_` and wake the loop.
#include "libs/redis/redis_client.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <hiredis/async.h>
#include <pthread.h>

#include <future>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/redis/async_connect.h"

namespace casework::redis {
namespace {

void EnableLibeventThreads() {
  static const bool enabled = [] { return evthread_use_pthreads() == 0; }();
  (void)enabled;
}

}  // namespace

// One command awaiting its reply. Freed when hiredis has called back (it always does, with a
// null reply when the connection goes) and the caller has been answered.
struct RedisClient::Pending {
  RedisClient* client;
  ReplyCallback done;
  event* timer = nullptr;
  bool answered = false;
  bool redis_done = false;

  void Answer(absl::StatusOr<RedisValue> result) {
    if (answered) return;
    answered = true;
    if (timer != nullptr) {
      event_free(timer);
      timer = nullptr;
    }
    std::move(done)(std::move(result));
  }
  void MaybeDelete() {
    if (answered && redis_done) delete this;
  }
};

std::unique_ptr<RedisClient> RedisClient::Start(RedisOptions options) {
  EnableLibeventThreads();
  std::unique_ptr<RedisClient> client(new RedisClient(std::move(options)));
  client->loop_ = std::thread([c = client.get()] { c->Run(); });
  return client;
}

RedisClient::RedisClient(RedisOptions options)
    : options_(std::move(options)), backoff_(options_.reconnect_min) {
  base_ = event_base_new();
  wake_ = event_new(base_, -1, 0, &RedisClient::OnWake, this);
  reconnect_timer_ = evtimer_new(base_, &RedisClient::OnReconnectTimer, this);
  ping_timer_ = event_new(base_, -1, EV_PERSIST, &RedisClient::OnPingTimer, this);
  drop_ = event_new(base_, -1, 0, &RedisClient::OnDropRequested, this);
}

RedisClient::~RedisClient() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  event_active(wake_, EV_READ, 0);
  loop_.join();
  event_free(drop_);
  event_free(ping_timer_);
  event_free(reconnect_timer_);
  event_free(wake_);
  event_base_free(base_);
}

void RedisClient::Run() {
  // Named for top -H, perf and /proc: the thread that runs every reply callback.
  pthread_setname_np(pthread_self(), "redis-loop");
  Connect();
  timeval interval = absl::ToTimeval(options_.ping_interval);
  event_add(ping_timer_, &interval);
  event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY);
}

void RedisClient::Command(std::vector<std::string> args, ReplyCallback done) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back(Queued{std::move(args), std::move(done)});
      done = nullptr;
    }
  }
  if (done != nullptr) {
    std::move(done)(absl::UnavailableError("redis client is shutting down"));
    return;
  }
  event_active(wake_, EV_READ, 0);
}

absl::StatusOr<RedisValue> RedisClient::CommandSync(std::vector<std::string> args) {
  std::promise<absl::StatusOr<RedisValue>> promise;
  std::future<absl::StatusOr<RedisValue>> future = promise.get_future();
  Command(std::move(args),
          [&promise](absl::StatusOr<RedisValue> result) { promise.set_value(std::move(result)); });
  return future.get();
}

bool RedisClient::WaitUntilHealthy(absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  // Health flips on the loop thread; a short poll keeps this off the hot path entirely.
  while (!healthy() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  return healthy();
}

void RedisClient::OnWake(int, short, void* self) { static_cast<RedisClient*>(self)->DrainQueue(); }

void RedisClient::DrainQueue() {
  std::vector<Queued> batch;
  bool stopping;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(queue_);
    stopping = stopping_;
  }
  for (Queued& queued : batch) Send(std::move(queued));
  if (stopping) {
    Drop();
    event_base_loopbreak(base_);
  }
}

void RedisClient::Send(Queued queued) {
  if (!connected_) {
    std::move(queued.done)(absl::UnavailableError("redis is not connected"));
    return;
  }
  Dispatch(queued.args, std::move(queued.done), options_.command_timeout);
}

void RedisClient::Dispatch(const std::vector<std::string>& args, ReplyCallback done,
                           absl::Duration timeout) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* pending = new Pending{this, std::move(done)};
  if (redisAsyncCommandArgv(context_, &RedisClient::OnReply, pending, static_cast<int>(argv.size()),
                            argv.data(), lengths.data()) != 0) {
    pending->redis_done = true;
    pending->Answer(absl::UnavailableError("redis rejected the command (connection closing)"));
    pending->MaybeDelete();
    return;
  }
  pending->timer = evtimer_new(base_, &RedisClient::OnCommandTimeout, pending);
  timeval deadline = absl::ToTimeval(timeout);
  evtimer_add(pending->timer, &deadline);
}

void RedisClient::OnReply(redisAsyncContext*, void* reply, void* pending_ptr) {
  auto* pending = static_cast<Pending*>(pending_ptr);
  pending->redis_done = true;
  if (reply == nullptr) {
    pending->Answer(absl::UnavailableError("redis connection lost before the reply"));
  } else {
    pending->Answer(RedisValue::FromReply(*static_cast<redisReply*>(reply)));
  }
  pending->MaybeDelete();
}

void RedisClient::OnCommandTimeout(int, short, void* pending_ptr) {
  auto* pending = static_cast<Pending*>(pending_ptr);
  event_free(pending->timer);
  pending->timer = nullptr;
  pending->Answer(absl::UnavailableError("redis did not answer in time"));
  pending->MaybeDelete();
}

void RedisClient::Connect() {
  context_ =
      StartAsyncConnect(options_, base_, this, &RedisClient::OnConnect, &RedisClient::OnDisconnect);
  if (context_ == nullptr) ScheduleReconnect();
}

void RedisClient::OnConnect(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisClient*>(context->data);
  if (status != REDIS_OK) {
    self->context_ = nullptr;  // hiredis frees it after this callback
    self->ScheduleReconnect();
    return;
  }
  self->connected_ = true;
  self->backoff_ = self->options_.reconnect_min;
  // Healthy only once Redis answers: a stopped (SIGSTOP) Redis still accepts connections.
  self->Ping();
}

void RedisClient::OnDisconnect(const redisAsyncContext* context, int) {
  auto* self = static_cast<RedisClient*>(context->data);
  self->context_ = nullptr;  // hiredis frees it after this callback
  self->connected_ = false;
  self->healthy_ = false;
  self->ping_in_flight_ = false;
  if (!self->dropping_) self->ScheduleReconnect();
}

void RedisClient::Drop() {
  if (context_ == nullptr) return;
  redisAsyncContext* context = context_;
  // Frees at once: pending commands get null replies (→ UNAVAILABLE) and the disconnect callback
  // runs if the connection had been made.
  dropping_ = true;
  redisAsyncFree(context);
  dropping_ = false;
  context_ = nullptr;
  connected_ = false;
  healthy_ = false;
  ping_in_flight_ = false;
}

void RedisClient::OnDropRequested(int, short, void* self_ptr) {
  auto* self = static_cast<RedisClient*>(self_ptr);
  self->Drop();
  self->ScheduleReconnect();
}

void RedisClient::ScheduleReconnect() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
  }
  timeval delay = absl::ToTimeval(backoff_);
  evtimer_add(reconnect_timer_, &delay);
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
}

void RedisClient::OnReconnectTimer(int, short, void* self) {
  static_cast<RedisClient*>(self)->Connect();
}

void RedisClient::OnPingTimer(int, short, void* self) { static_cast<RedisClient*>(self)->Ping(); }

void RedisClient::Ping() {
  if (!connected_ || ping_in_flight_) return;
  ping_in_flight_ = true;
  const absl::Time sent = absl::Now();
  ReplyCallback on_reply = [this, sent](absl::StatusOr<RedisValue> reply) {
    ping_in_flight_ = false;
    if (reply.ok() && !reply->is_error() && absl::Now() - sent <= options_.ping_timeout) {
      healthy_ = true;
      return;
    }
    // Stalled or gone: drop the connection so commands fail fast
    // instead of piling up, and reconnect with backoff.
    healthy_ = false;
    if (connected_) event_active(drop_, EV_READ, 0);
  };
  Dispatch({"PING"}, std::move(on_reply), options_.ping_timeout);
}

}  // namespace casework::redis
