// Closed- and open-loop drivers. State lives in a shared_ptr held by every outstanding callback,
// so a call that completes after the run gave up on it (counted as stuck) touches live memory.
#include "bench/load_generator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace casework::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now().time_since_epoch())
      .count();
}

constexpr int kNotCompleted = INT_MIN;
constexpr int64_t kLateSendNs = 1'000'000;

// Closed loop: every slot restarts as soon as its call completes, until the window ends.
class ClosedLoop : public std::enable_shared_from_this<ClosedLoop> {
 public:
  ClosedLoop(const LoadOptions& options, StartOperation start)
      : options_(options), start_(std::move(start)), slots_(options.in_flight) {}

  LoadResult Run() {
    begin_ = NowNs();
    measure_from_ = begin_ + absl::ToInt64Nanoseconds(options_.warmup);
    end_ = measure_from_ + absl::ToInt64Nanoseconds(options_.duration);
    active_ = options_.in_flight;
    for (int slot = 0; slot < options_.in_flight; ++slot) Next(slot);
    if (options_.window_probe) {
      std::this_thread::sleep_until(
          SteadyClock::time_point(std::chrono::nanoseconds(measure_from_)));
      options_.window_probe(true);
      std::this_thread::sleep_until(SteadyClock::time_point(std::chrono::nanoseconds(end_)));
      options_.window_probe(false);
    }
    std::unique_lock<std::mutex> lock(mu_);
    const auto give_up = SteadyClock::time_point(std::chrono::nanoseconds(end_)) +
                         absl::ToChronoNanoseconds(options_.drain_timeout);
    done_.wait_until(lock, give_up, [this] { return active_ == 0; });
    LoadResult result;
    result.stuck = active_;
    result.seconds = absl::ToDoubleSeconds(options_.duration);
    std::vector<int64_t> all;
    for (Slot& slot : slots_) {
      result.ok += slot.ok;
      result.errors += slot.errors;
      result.total_ok += slot.total_ok;
      for (const auto& [code, count] : slot.codes) result.error_codes[code] += count;
      all.insert(all.end(), slot.latencies.begin(), slot.latencies.end());
    }
    result.latency = Summarize(all);
    return result;
  }

 private:
  // A slot's calls are strictly sequential, so its Slot needs no lock; Run reads them only after
  // every slot finished (the mutex orders those writes before the reads).
  struct Slot {
    std::vector<int64_t> latencies;
    int64_t ok = 0, errors = 0, total_ok = 0;
    std::map<int, int64_t> codes;
  };

  void Next(int slot) {
    const int64_t started = NowNs();
    if (started >= end_) {
      std::lock_guard<std::mutex> lock(mu_);
      if (--active_ == 0) done_.notify_all();
      return;
    }
    const int64_t index = next_index_.fetch_add(1, std::memory_order_relaxed);
    start_(slot, index, [self = shared_from_this(), slot, started](int code) {
      self->Completed(slot, started, code);
    });
  }

  void Completed(int slot, int64_t started, int code) {
    const int64_t now = NowNs();
    if (code == 0) ++slots_[slot].total_ok;
    if (now >= measure_from_ && now < end_) {
      Slot& s = slots_[slot];
      if (code == 0) {
        ++s.ok;
        s.latencies.push_back(now - started);
      } else {
        ++s.errors;
        ++s.codes[code];
      }
    }
    Next(slot);
  }

  const LoadOptions options_;
  const StartOperation start_;
  std::vector<Slot> slots_;
  int64_t begin_ = 0, measure_from_ = 0, end_ = 0;
  std::atomic<int64_t> next_index_{0};
  std::mutex mu_;
  std::condition_variable done_;
  int active_ = 0;
};

// Open loop: call i is due at begin + i / rate; its latency runs from that instant.
class OpenLoop : public std::enable_shared_from_this<OpenLoop> {
 public:
  OpenLoop(const LoadOptions& options, StartOperation start)
      : options_(options),
        start_(std::move(start)),
        total_(static_cast<int64_t>(absl::ToDoubleSeconds(options.warmup + options.duration) *
                                    options.rate)),
        latencies_(total_, -1),
        codes_(total_) {
    for (std::atomic<int>& code : codes_) code.store(kNotCompleted, std::memory_order_relaxed);
  }

  LoadResult Run() {
    LoadResult result;
    const int64_t begin = NowNs();
    const int64_t measure_from = begin + absl::ToInt64Nanoseconds(options_.warmup);
    const double interval_ns = 1e9 / options_.rate;
    std::vector<char> measured(total_, 0);
    bool window_open = false;
    for (int64_t i = 0; i < total_; ++i) {
      const int64_t intended = begin + static_cast<int64_t>(static_cast<double>(i) * interval_ns);
      std::this_thread::sleep_until(SteadyClock::time_point(std::chrono::nanoseconds(intended)));
      const bool in_window = intended >= measure_from;
      if (in_window && !window_open && options_.window_probe) options_.window_probe(true);
      window_open = window_open || in_window;
      if (NowNs() - intended > kLateSendNs && in_window) ++result.late_sends;
      if (outstanding_.load(std::memory_order_relaxed) >= options_.max_outstanding) {
        if (in_window) ++result.skipped_sends;
        continue;
      }
      measured[i] = in_window ? 1 : 0;
      outstanding_.fetch_add(1, std::memory_order_relaxed);
      start_(static_cast<int>(i % options_.in_flight), i,
             [self = shared_from_this(), i, intended](int code) {
               self->latencies_[i] = NowNs() - intended;
               self->codes_[i].store(code, std::memory_order_release);
               if (self->outstanding_.fetch_sub(1) == 1) {
                 std::lock_guard<std::mutex> lock(self->mu_);
                 self->done_.notify_all();
               }
             });
    }
    if (options_.window_probe) options_.window_probe(false);
    {
      std::unique_lock<std::mutex> lock(mu_);
      done_.wait_for(lock, absl::ToChronoNanoseconds(options_.drain_timeout),
                     [this] { return outstanding_.load() == 0; });
    }
    result.seconds = absl::ToDoubleSeconds(options_.duration);
    std::vector<int64_t> samples;
    for (int64_t i = 0; i < total_; ++i) {
      const int code = codes_[i].load(std::memory_order_acquire);
      if (code == 0) ++result.total_ok;
      if (!measured[i]) continue;
      if (code == kNotCompleted) {
        ++result.stuck;
      } else if (code == 0) {
        ++result.ok;
        samples.push_back(latencies_[i]);
      } else {
        ++result.errors;
        ++result.error_codes[code];
      }
    }
    result.latency = Summarize(samples);
    return result;
  }

 private:
  const LoadOptions options_;
  const StartOperation start_;
  const int64_t total_;
  std::vector<int64_t> latencies_;  // written once per call before its code (release)
  std::vector<std::atomic<int>> codes_;
  std::atomic<int> outstanding_{0};
  std::mutex mu_;
  std::condition_variable done_;
};

double Percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  if (rank >= sorted.size()) rank = sorted.size() - 1;
  return static_cast<double>(sorted[rank]) / 1000.0;
}

}  // namespace

LatencySummary Summarize(std::vector<int64_t>& samples) {
  LatencySummary summary;
  summary.count = static_cast<int64_t>(samples.size());
  if (samples.empty()) return summary;
  std::sort(samples.begin(), samples.end());
  double sum = 0;
  for (int64_t sample : samples) sum += static_cast<double>(sample);
  summary.mean_us = sum / static_cast<double>(samples.size()) / 1000.0;
  summary.p50_us = Percentile(samples, 0.50);
  summary.p90_us = Percentile(samples, 0.90);
  summary.p99_us = Percentile(samples, 0.99);
  summary.p999_us = Percentile(samples, 0.999);
  summary.max_us = static_cast<double>(samples.back()) / 1000.0;
  return summary;
}

LoadResult RunLoad(const LoadOptions& options, const StartOperation& start) {
  if (options.rate > 0) return std::make_shared<OpenLoop>(options, start)->Run();
  return std::make_shared<ClosedLoop>(options, start)->Run();
}

std::string ToJson(const LatencySummary& s) {
  return absl::StrCat("{\"count\":", s.count, ",\"mean_us\":", s.mean_us, ",\"p50_us\":", s.p50_us,
                      ",\"p90_us\":", s.p90_us, ",\"p99_us\":", s.p99_us,
                      ",\"p999_us\":", s.p999_us, ",\"max_us\":", s.max_us, "}");
}

std::string ToJson(const LoadResult& r) {
  std::vector<std::string> codes;
  for (const auto& [code, count] : r.error_codes) {
    codes.push_back(absl::StrCat("\"", code, "\":", count));
  }
  return absl::StrCat("{\"seconds\":", r.seconds, ",\"ok\":", r.ok, ",\"errors\":", r.errors,
                      ",\"error_codes\":{", absl::StrJoin(codes, ","), "}",
                      ",\"skipped_sends\":", r.skipped_sends, ",\"late_sends\":", r.late_sends,
                      ",\"stuck\":", r.stuck, ",\"total_ok\":", r.total_ok, ",\"qps\":", r.qps(),
                      ",\"latency\":", ToJson(r.latency), "}");
}

}  // namespace casework::bench
