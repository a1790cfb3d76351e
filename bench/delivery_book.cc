// Per-sequence receive counts and last-arrival times; the watermark moves under a mutex only when
// a sequence becomes complete, so the hot path is two atomic operations.
#include "bench/delivery_book.h"

#include <chrono>

namespace casework::bench {

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

DeliveryBook::DeliveryBook(int receivers, int64_t base, int64_t capacity)
    : receivers_(receivers),
      base_(base),
      capacity_(capacity),
      last_seen_(receivers, base),
      counts_(capacity),
      last_arrival_(capacity) {
  for (auto& count : counts_) count.store(0, std::memory_order_relaxed);
  for (auto& arrival : last_arrival_) arrival.store(-1, std::memory_order_relaxed);
}

void DeliveryBook::Received(int receiver, int64_t sequence) {
  const int64_t now = SteadyNowNs();
  int64_t& last = last_seen_[receiver];
  if (sequence <= last) {
    duplicates_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (sequence != last + 1) gaps_.fetch_add(1, std::memory_order_relaxed);
  last = sequence;
  const int64_t index = sequence - base_ - 1;
  if (index < 0 || index >= capacity_) {
    out_of_range_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  total_.fetch_add(1, std::memory_order_relaxed);
  std::atomic<int64_t>& arrival = last_arrival_[index];
  int64_t seen = arrival.load(std::memory_order_relaxed);
  while (seen < now && !arrival.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
  }
  if (counts_[index].fetch_add(1, std::memory_order_acq_rel) + 1 == receivers_) {
    std::lock_guard<std::mutex> lock(mu_);
    AdvanceWatermark();
    changed_.notify_all();
  }
}

void DeliveryBook::ReceiverEnded(int /*receiver*/) {
  ended_.fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  changed_.notify_all();
}

void DeliveryBook::AdvanceWatermark() {
  while (watermark_ < capacity_ &&
         counts_[watermark_].load(std::memory_order_acquire) == receivers_) {
    ++watermark_;
  }
}

bool DeliveryBook::WaitAllHave(int64_t sequence, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] {
    return base_ + watermark_ >= sequence || ended_.load() > 0;
  }) && base_ + watermark_ >= sequence;
}

void DeliveryBook::WaitWindow(int64_t published, int64_t window, int64_t deadline_ns) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_until(
      lock, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline_ns)),
      [&] { return published - (base_ + watermark_) < window || ended_.load() > 0; });
}

int64_t DeliveryBook::fully_delivered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return base_ + watermark_;
}

int64_t DeliveryBook::LastArrival(int64_t sequence) const {
  const int64_t index = sequence - base_ - 1;
  if (index < 0 || index >= capacity_) return -1;
  if (counts_[index].load(std::memory_order_acquire) < receivers_) return -1;
  return last_arrival_[index].load(std::memory_order_relaxed);
}

}  // namespace casework::bench
