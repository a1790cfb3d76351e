// A bounded multi-producer queue for the store's worker threads: producers never block (a full
// queue refuses, so overload turns into UNAVAILABLE instead of unbounded memory), consumers take
// batches (the writer's group commit).
#ifndef SERVICES_RECORDS_STORE_BOUNDED_QUEUE_H_
#define SERVICES_RECORDS_STORE_BOUNDED_QUEUE_H_

#include <deque>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace casework::records {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // False when the queue is full or closed; `item` is then left untouched.
  bool TryPush(T& item) {
    absl::MutexLock lock(&mu_);
    if (closed_ || items_.size() >= capacity_) return false;
    items_.push_back(std::move(item));
    return true;
  }

  // Waits for an item (or Close), then moves up to `max` items into `out`. False once the queue
  // is closed and empty.
  bool PopBatch(size_t max, std::vector<T>& out) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](BoundedQueue* queue) ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue->mu_) {
          return queue->closed_ || !queue->items_.empty();
        },
        this));
    if (items_.empty()) return false;
    while (!items_.empty() && out.size() < max) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    return true;
  }

  // Refuses new items; consumers still drain what is queued.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

 private:
  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<T> items_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_BOUNDED_QUEUE_H_
