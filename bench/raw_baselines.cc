// Raw TCP ping-pong and Redis pub/sub fan-out.
#include "bench/raw_baselines.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace casework::bench {
namespace {

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadAll(int fd, char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

void NoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

}  // namespace

absl::Status ServeTcpEcho(int port, int payload) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address = Loopback(port);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener, 128) != 0) {
    return absl::UnavailableError(
        absl::StrCat("tcp echo: cannot listen on ", port, ": ", std::strerror(errno)));
  }
  for (;;) {
    const int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("tcp echo: accept: ", std::strerror(errno)));
    }
    NoDelay(fd);
    std::thread([fd, payload] {
      std::vector<char> buffer(static_cast<size_t>(payload));
      while (ReadAll(fd, buffer.data(), buffer.size()) &&
             WriteAll(fd, buffer.data(), buffer.size())) {
      }
      ::close(fd);
    }).detach();
  }
}

absl::StatusOr<LoadResult> RunTcpPingPong(int port, int payload, const LoadOptions& options) {
  std::vector<int> fds;
  for (int i = 0; i < options.in_flight; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = Loopback(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      for (int open : fds) ::close(open);
      ::close(fd);
      return absl::UnavailableError(absl::StrCat("tcp ping-pong: connect: ", std::strerror(errno)));
    }
    NoDelay(fd);
    fds.push_back(fd);
  }
  const int64_t begin = SteadyNowNs();
  const int64_t measure_from = begin + absl::ToInt64Nanoseconds(options.warmup);
  const int64_t end = measure_from + absl::ToInt64Nanoseconds(options.duration);
  std::vector<std::vector<int64_t>> latencies(fds.size());
  std::vector<int64_t> failures(fds.size(), 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < fds.size(); ++i) {
    threads.emplace_back([&, i] {
      std::vector<char> buffer(static_cast<size_t>(payload), 'x');
      for (;;) {
        const int64_t started = SteadyNowNs();
        if (started >= end) return;
        const bool ok = WriteAll(fds[i], buffer.data(), buffer.size()) &&
                        ReadAll(fds[i], buffer.data(), buffer.size());
        const int64_t now = SteadyNowNs();
        if (!ok) {
          ++failures[i];
          return;
        }
        if (now >= measure_from && now < end) latencies[i].push_back(now - started);
      }
    });
  }
  if (options.window_probe) {
    std::this_thread::sleep_until(
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(measure_from)));
    options.window_probe(true);
    std::this_thread::sleep_until(
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(end)));
    options.window_probe(false);
  }
  for (std::thread& thread : threads) thread.join();
  for (int fd : fds) ::close(fd);
  LoadResult result;
  result.seconds = absl::ToDoubleSeconds(options.duration);
  std::vector<int64_t> all;
  for (size_t i = 0; i < fds.size(); ++i) {
    all.insert(all.end(), latencies[i].begin(), latencies[i].end());
    result.errors += failures[i];
  }
  if (result.errors > 0) result.error_codes[-1] = result.errors;
  result.ok = static_cast<int64_t>(all.size());
  result.total_ok = result.ok;  // the window's only: the raw server keeps no count to compare
  result.latency = Summarize(all);
  return result;
}

namespace {

// K subscriptions on one libevent loop. Everything hiredis is touched on the loop thread only,
// except the set-up before the loop starts.
class RedisSubscribers {
 public:
  RedisSubscribers(const RedisFanoutScenario& scenario, DeliveryBook& book)
      : scenario_(scenario), book_(book) {
    evthread_use_pthreads();
    base_ = event_base_new();
  }
  ~RedisSubscribers() {
    if (base_ != nullptr) event_base_free(base_);
  }

  absl::Status Start() {
    for (int i = 0; i < scenario_.subscribers; ++i) {
      redisAsyncContext* context = redisAsyncConnect("127.0.0.1", scenario_.port);
      if (context == nullptr || context->err != 0) {
        return absl::UnavailableError("redis fan-out: cannot connect a subscriber");
      }
      context->data = this;
      redisLibeventAttach(context, base_);
      contexts_.push_back(context);
      receivers_.push_back(Receiver{this, i});
    }
    for (int i = 0; i < scenario_.subscribers; ++i) {
      redisAsyncCommand(contexts_[i], &RedisSubscribers::OnMessage, &receivers_[i], "SUBSCRIBE %s",
                        scenario_.channel.c_str());
    }
    loop_ = std::thread([this] {
      event_base_loop(base_, EVLOOP_NO_EXIT_ON_EMPTY);
      for (redisAsyncContext* context : contexts_) redisAsyncFree(context);
    });
    std::unique_lock<std::mutex> lock(mu_);
    if (!subscribed_cv_.wait_for(lock, std::chrono::seconds(30),
                                 [this] { return subscribed_ == scenario_.subscribers; })) {
      return absl::DeadlineExceededError("redis fan-out: subscriptions not confirmed in 30 s");
    }
    return absl::OkStatus();
  }

  void Stop() {
    event_base_loopbreak(base_);
    if (loop_.joinable()) loop_.join();
  }

 private:
  struct Receiver {
    RedisSubscribers* owner;
    int index;
  };

  static void OnMessage(redisAsyncContext* /*context*/, void* raw_reply, void* privdata) {
    auto* reply = static_cast<redisReply*>(raw_reply);
    auto* receiver = static_cast<Receiver*>(privdata);
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) return;
    const absl::string_view kind(reply->element[0]->str, reply->element[0]->len);
    if (kind == "subscribe") {
      std::lock_guard<std::mutex> lock(receiver->owner->mu_);
      if (++receiver->owner->subscribed_ == receiver->owner->scenario_.subscribers) {
        receiver->owner->subscribed_cv_.notify_all();
      }
      return;
    }
    if (kind != "message") return;
    absl::string_view payload(reply->element[2]->str, reply->element[2]->len);
    int64_t sequence = 0;
    if (absl::SimpleAtoi(payload.substr(0, payload.find(' ')), &sequence)) {
      receiver->owner->book_.Received(receiver->index, sequence);
    }
  }

  const RedisFanoutScenario& scenario_;
  DeliveryBook& book_;
  event_base* base_ = nullptr;
  std::vector<redisAsyncContext*> contexts_;
  std::vector<Receiver> receivers_;
  std::thread loop_;
  std::mutex mu_;
  std::condition_variable subscribed_cv_;
  int subscribed_ = 0;
};

}  // namespace

absl::StatusOr<FanoutResult> RunRedisFanout(const RedisFanoutScenario& scenario,
                                            const FanoutOptions& options) {
  DeliveryBook book(scenario.subscribers, 0, options.capacity);
  RedisSubscribers subscribers(scenario, book);
  if (absl::Status started = subscribers.Start(); !started.ok()) {
    subscribers.Stop();
    return started;
  }
  redisContext* publisher = redisConnect("127.0.0.1", scenario.port);
  if (publisher == nullptr || publisher->err != 0) {
    subscribers.Stop();
    if (publisher != nullptr) redisFree(publisher);
    return absl::UnavailableError("redis fan-out: cannot connect the publisher");
  }
  int64_t sequence = 0;
  PublishNext publish = [&]() -> absl::StatusOr<int64_t> {
    std::string message = absl::StrCat(sequence + 1, " ");
    message.resize(std::max<size_t>(message.size(), static_cast<size_t>(scenario.payload)), 'x');
    auto* reply = static_cast<redisReply*>(redisCommand(
        publisher, "PUBLISH %s %b", scenario.channel.c_str(), message.data(), message.size()));
    if (reply == nullptr) return absl::UnavailableError("redis fan-out: PUBLISH failed");
    freeReplyObject(reply);
    return ++sequence;
  };
  FanoutResult result = MeasureFanout(book, options, publish);
  redisFree(publisher);
  subscribers.Stop();
  return result;
}

}  // namespace casework::bench
