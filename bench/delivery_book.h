// Bookkeeping of a fan-out measurement, shared by WatchSession (hub or service) and Redis
// pub/sub: which sequence each of K receivers got and when, the watermark below which every
// receiver has everything, and the order faults (gaps, duplicates, reordering) a receiver saw.
// Receivers call Received from their own thread, one receiver's calls never concurrently.
#ifndef BENCH_DELIVERY_BOOK_H_
#define BENCH_DELIVERY_BOOK_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace casework::bench {

int64_t SteadyNowNs();

class DeliveryBook {
 public:
  // Sequences base+1 .. base+capacity can be recorded.
  DeliveryBook(int receivers, int64_t base, int64_t capacity);

  void Received(int receiver, int64_t sequence);
  void ReceiverEnded(int receiver);  // the stream ended (counted; its missing events stay missing)

  // Blocks until every receiver has every sequence ≤ `sequence`, or the timeout passes.
  bool WaitAllHave(int64_t sequence, absl::Duration timeout);
  // Blocks until `published - (everything delivered)` < window, or until `deadline_ns`.
  void WaitWindow(int64_t published, int64_t window, int64_t deadline_ns);

  int64_t total_received() const { return total_.load(std::memory_order_relaxed); }
  int64_t fully_delivered() const;
  // The time the last receiver got `sequence` (steady ns), or -1 while some have not.
  int64_t LastArrival(int64_t sequence) const;

  int receivers() const { return receivers_; }
  int64_t base() const { return base_; }
  int64_t gaps() const { return gaps_.load(); }
  int64_t duplicates() const { return duplicates_.load(); }
  int64_t out_of_range() const { return out_of_range_.load(); }
  int ended() const { return ended_.load(); }

 private:
  void AdvanceWatermark();

  const int receivers_;
  const int64_t base_;
  const int64_t capacity_;
  std::vector<int64_t> last_seen_;  // per receiver, touched only by that receiver
  std::vector<std::atomic<int>> counts_;
  std::vector<std::atomic<int64_t>> last_arrival_;
  std::atomic<int64_t> total_{0};
  std::atomic<int64_t> gaps_{0}, duplicates_{0}, out_of_range_{0};
  std::atomic<int> ended_{0};
  mutable std::mutex mu_;
  std::condition_variable changed_;
  int64_t watermark_ = 0;  // guarded by mu_: every receiver has base+1 .. base+watermark_
};

}  // namespace casework::bench

#endif  // BENCH_DELIVERY_BOOK_H_
