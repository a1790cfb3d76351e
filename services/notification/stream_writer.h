// The server side of one notification stream: a bounded queue of frames in front of a
// ServerWriteReactor, with at most one write in flight. Producers (the Redis loop thread, the
// organisation feed) push and never block; a queue that fills up ends the stream with
// RESOURCE_EXHAUSTED (WATCHER_TOO_SLOW) and the last sequence it carries, so a stalled client costs
// the others nothing.
//
// gRPC may run a reaction inline inside StartWrite/Finish, so those are never called with the
// mutex held. Instead one caller at a time "pumps": it decides the next operation under the mutex
// and issues it outside; callers that find a pump running leave their change for it to see.
#ifndef SERVICES_NOTIFICATION_STREAM_WRITER_H_
#define SERVICES_NOTIFICATION_STREAM_WRITER_H_

#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"
#include "services/notification/notification_metrics.h"
#include "services/notification/watcher_quota.h"

namespace casework::notification {

template <typename Response>
struct Frame {
  std::shared_ptr<const Response> message;
  int64_t sequence = 0;  // what the client holds once this frame is written
  absl::Time appended;   // when the event was appended (live frames: delivery latency)
  bool live = false;     // observed in casework_event_delivery_seconds
};

template <typename Response>
class StreamWriter : public std::enable_shared_from_this<StreamWriter<Response>> {
 public:
  StreamWriter(grpc::ServerWriteReactor<Response>* reactor, size_t capacity,
               NotificationMetrics& metrics, int64_t start_sequence)
      : reactor_(reactor), capacity_(capacity), metrics_(metrics), last_written_(start_sequence) {
    metrics_.watchers->Increment();
  }

  // Queues a frame. False when the stream no longer takes frames: it is ending, or this frame
  // overflowed the queue (the stream then ends RESOURCE_EXHAUSTED).
  bool Push(Frame<Response> frame) {
    {
      absl::MutexLock lock(&mu_);
      if (finish_requested_) return false;
      if (queue_.size() >= capacity_) {
        metrics_.slow_watchers_disconnected->Increment();
        RequestFinishLocked(absl::StatusCode::kResourceExhausted, "WATCHER_TOO_SLOW",
                            "the client did not read fast enough; resume after last_sequence",
                            /*drop_queue=*/true);
      } else {
        queue_.push_back(std::move(frame));
      }
    }
    Pump();
    absl::MutexLock lock(&mu_);
    return !finish_requested_;
  }

  // Ends the stream with `status` once everything queued is written (the regular end).
  void FinishAfterQueued(grpc::Status status) {
    {
      absl::MutexLock lock(&mu_);
      if (finish_requested_) return;
      finish_requested_ = true;
      finish_status_ = std::move(status);
    }
    Pump();
  }

  // Ends the stream now, dropping what is queued but the frame in flight: `code`/`reason` with
  // metadata last_sequence (the last frame the stream carries before the status), e.g. UNAVAILABLE
  // SERVER_SHUTTING_DOWN.
  void FinishWithPosition(absl::StatusCode code, absl::string_view reason,
                          absl::string_view message) {
    {
      absl::MutexLock lock(&mu_);
      if (finish_requested_) return;
      RequestFinishLocked(code, reason, message, /*drop_queue=*/true);
    }
    Pump();
  }

  // Ends the stream now with a status that carries no position (refusals before any frame).
  void FinishNow(grpc::Status status) {
    {
      absl::MutexLock lock(&mu_);
      if (finish_requested_) return;
      finish_requested_ = true;
      finish_now_ = true;
      DropQueuedLocked();
      finish_status_ = std::move(status);
    }
    Pump();
  }

  size_t queued() const {
    absl::MutexLock lock(&mu_);
    return queue_.size();
  }
  size_t capacity() const { return capacity_; }
  bool finishing() const {
    absl::MutexLock lock(&mu_);
    return finish_requested_;
  }
  int64_t last_written() const {
    absl::MutexLock lock(&mu_);
    return last_written_;
  }

  // Runs (without locks) after a write completes while the queue is at most half full: a
  // replaying producer pulls its next batch from here.
  void set_on_room(std::function<void()> on_room) { on_room_ = std::move(on_room); }
  // Whether on_room is wanted now (a live producer turns it off: it pushes, never pulls).
  void set_wants_room(bool wants) { wants_room_.store(wants, std::memory_order_relaxed); }

  // Reactions of the owning reactor.
  void OnWriteDone(bool ok) {
    bool room = false;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {  // the client went away; OnCancel/OnDone follow
        queue_.clear();
        if (!finish_requested_) {
          finish_requested_ = true;
          finish_now_ = true;
          finish_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled");
        }
      } else if (!queue_.empty()) {
        const Frame<Response>& done = queue_.front();
        last_written_ = done.sequence;
        metrics_.events_delivered->Increment();
        if (done.live) {
          metrics_.event_delivery_seconds->Observe(
              absl::ToDoubleSeconds(absl::Now() - done.appended));
        }
        queue_.pop_front();
        room = !finish_requested_ && queue_.size() <= capacity_ / 2;
      }
    }
    Pump();
    if (room && on_room_ && wants_room_.load(std::memory_order_relaxed)) on_room_();
  }
  void OnCancel() { FinishNow(grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled")); }
  void OnDone() {
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      queue_.clear();
    }
    metrics_.watchers->Decrement();
  }
  bool done() const {
    absl::MutexLock lock(&mu_);
    return done_;
  }

 private:
  void RequestFinishLocked(absl::StatusCode code, absl::string_view reason,
                           absl::string_view message, bool drop_queue)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    finish_requested_ = true;
    finish_now_ = true;
    if (drop_queue) DropQueuedLocked();
    // A write in flight reaches the client before the status (a stream's messages precede its
    // trailers), so the position the client holds when it reads the status is that frame's.
    const int64_t position = writing_ ? queue_.front().sequence : last_written_;
    finish_status_ =
        ToGrpcStatus(Error(code, reason, message, {{"last_sequence", absl::StrCat(position)}}));
  }

  // The frame in flight stays until its write completes; the rest never go out.
  void DropQueuedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
  }

  void Pump() {
    {
      absl::MutexLock lock(&mu_);
      if (pumping_) return;  // the running pump sees this change under the mutex
      pumping_ = true;
    }
    for (;;) {
      const Response* write = nullptr;
      bool finish = false;
      grpc::Status status;
      {
        absl::MutexLock lock(&mu_);
        if (!finish_called_ && finish_requested_ && (finish_now_ || queue_.empty())) {
          // A write in flight may remain: gRPC sends the status after it.
          finish_called_ = true;
          finish = true;
          status = finish_status_;
        } else if (!finish_called_ && !writing_ && !queue_.empty()) {
          writing_ = true;
          write = queue_.front().message.get();
        } else {
          pumping_ = false;
          return;
        }
      }
      // After Finish the reactor may be gone at any moment: touch nothing of it again.
      if (finish) {
        reactor_->Finish(status);
      } else if (write != nullptr) {
        reactor_->StartWrite(write);
      }
    }
  }

  grpc::ServerWriteReactor<Response>* const reactor_;
  const size_t capacity_;
  NotificationMetrics& metrics_;
  std::function<void()> on_room_;
  std::atomic<bool> wants_room_{true};

  mutable absl::Mutex mu_;
  std::deque<Frame<Response>> queue_ ABSL_GUARDED_BY(mu_);  // front: the write in flight
  int64_t last_written_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool pumping_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_now_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_ ABSL_GUARDED_BY(mu_);
};

// The reactor gRPC owns (deleted in OnDone); it forwards its reactions to the shared writer, which
// producers keep alive as long as they hold it. It holds the stream's quota lease, so the
// organisation's count drops exactly when gRPC is done with the call, however it ended.
template <typename Response>
class StreamReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  StreamReactor(size_t capacity, NotificationMetrics& metrics, int64_t start_sequence)
      : stream_(std::make_shared<StreamWriter<Response>>(this, capacity, metrics, start_sequence)) {
  }

  const std::shared_ptr<StreamWriter<Response>>& stream() const { return stream_; }
  // Call from the method handler, before it returns the reactor (OnDone cannot run before).
  void HoldLease(WatcherQuota::Lease lease) { lease_ = std::move(lease); }

  void OnWriteDone(bool ok) override { stream_->OnWriteDone(ok); }
  void OnCancel() override { stream_->OnCancel(); }
  void OnDone() override {
    stream_->OnDone();
    delete this;
  }

 private:
  const std::shared_ptr<StreamWriter<Response>> stream_;
  WatcherQuota::Lease lease_;  // released when the reactor is deleted, in OnDone
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_STREAM_WRITER_H_
