// The replay-then-live machine of the notification feeds, written once: a session's feed
// (session_feed.h) and an organisation's (org_feed.h) are this machine over their own log, with
// their own rules for who may watch and what a watcher is shown.
//
// The feed reads one log (sequences 1, 2, … without holes) and stands at a position: the last
// sequence it has taken in. Before its first read it loads where the log stands (Load). A wake-up
// (pub/sub message, re-subscription, the registry's periodic poll) makes it read after its
// position, a batch at a time until a batch comes back short; each batch is taken in (TakeIn:
// folded, handed to the live watchers) and the position moves to its last sequence. Wake-ups
// during a read make one more read after it.
//
// A watcher attaches with a cursor, the last sequence its client holds (`after_sequence`), and
// then goes through these modes:
//  - kPending: until the feed has caught up with the log as it stood when the watcher attached
//    (a read issued after the attach came back short: one in flight at the attach may have been
//    answered before the client's position was appended). Then it is judged: may the viewer watch
//    (Admit), and is the cursor at most the position (else OUT_OF_RANGE SEQUENCE_OUT_OF_RANGE with
//    requested_sequence and last_sequence)? With `zero_is_now`, cursor 0 means from the position
//    on.
//  - kReplaying: it reads the log itself, after its cursor and up to the feed's position, in
//    batches of at most the room left in its stream's queue; the next batch is pulled when the
//    client has read enough (the stream's on_room), so a slow client holds one queue at most and
//    is never cut off for replaying. Each event is handed to Replay (which may push a frame or
//    pass the event over), and the cursor moves past it. A replay that finds the events after the
//    cursor gone (the first event it reads is later than cursor + 1, or there is none) hands the
//    watcher to Unavailable: the feed's explicit answer (a Resync; or the end, OUT_OF_RANGE), never
//    a silent skip. A batch read before a resync moved the cursor is dropped when it arrives.
//  - kLive: the watcher turns live under the feed's mutex exactly when its cursor meets the
//    feed's position, and the feed advances its position (Advance) and collects its live
//    watchers under the same mutex, handing them only what lies after it: the switch has no gap
//    and no duplicate. A complete log (nothing can follow its last event: a session whose record
//    is stored) ends each stream OK once it has everything.
//  - kRefused: ended (judged out, no longer a member, its position no longer held); pruned once
//    its stream has finished.
// Reads that failed (a Redis outage), the feed's and the replays', are issued again by Retry,
// which the registry's ticker calls (feed_registry.h) and which also prunes finished watchers.
//
// Threads: every reply of the log arrives on the Redis client's loop thread, one at a time, and
// the hooks that take in, judge and replay (TakeIn, Admit, Replay, Unavailable, and the answers
// to Load) run there: state a feed keeps beside the machine (a session's fold) is confined to that
// thread, and each watcher's frames are pushed in order. `mu_` guards what other threads touch —
// the watchers' modes and cursors, the position, the read flags: gRPC threads (Attach, on_room's
// PullReplay), the ticker (Retry, Unused, member-list re-checks) and the loop thread take it
// briefly. No hook runs with it held.
#ifndef SERVICES_NOTIFICATION_REPLAY_FEED_H_
#define SERVICES_NOTIFICATION_REPLAY_FEED_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"
#include "services/notification/stream_writer.h"

namespace casework::notification {

// What the machine keeps of one watch call; a feed's watcher adds who is watching and what they
// asked for.
template <typename Response>
struct FeedWatcher {
  enum class Mode { kPending, kReplaying, kLive, kRefused };

  FeedWatcher(int64_t after_sequence, std::shared_ptr<StreamWriter<Response>> stream_in)
      : stream(std::move(stream_in)), cursor(after_sequence) {}

  const std::shared_ptr<StreamWriter<Response>> stream;
  // Guarded by the feed's mutex.
  int64_t cursor;  // the last sequence queued to the stream or passed over for it
  Mode mode = Mode::kPending;
  uint64_t judging_read = 0;  // the feed's first read issued after the attach
  bool replay_in_flight = false;
  bool replay_failed = false;  // Retry pulls again
};

struct ReplayFeedOptions {
  int read_batch = 256;      // events per read of the log
  std::string log_owner;     // whose last sequence OUT_OF_RANGE names: "session", "organisation"
  bool zero_is_now = false;  // after_sequence 0: only what comes after the feed's position
};

// Watcher: derived from FeedWatcher<Response>. Event: one entry of the log as its reads return it.
template <typename Watcher, typename Event>
class ReplayLiveFeed : public std::enable_shared_from_this<ReplayLiveFeed<Watcher, Event>> {
 public:
  using WatcherPtr = std::shared_ptr<Watcher>;
  using Events = std::vector<Event>;
  using ReadDone = absl::AnyInvocable<void(absl::StatusOr<Events>) &&>;
  using Mode = typename Watcher::Mode;

  virtual ~ReplayLiveFeed() = default;
  ReplayLiveFeed(const ReplayLiveFeed&) = delete;
  ReplayLiveFeed& operator=(const ReplayLiveFeed&) = delete;

  // Starts serving `watcher`: it is judged once the feed has caught up with the log as it is now.
  // Its stream's on_room pulls its next replay batch.
  void Attach(WatcherPtr watcher);
  // New events may exist: read the log after the feed's position.
  void Wake();
  // Periodic: re-issue reads that failed and prune finished watchers.
  void Retry();
  // Reads the watcher's next replay batch if its queue has room, or turns it live once its cursor
  // meets the feed's position.
  void PullReplay(const WatcherPtr& watcher);
  // Ends every stream now with `code`/`reason` and its last written sequence (shutdown, purge).
  void FinishAll(absl::StatusCode code, absl::string_view reason, absl::string_view message);
  // No watchers left and nothing in flight: the registry may drop the feed.
  bool Unused();

 protected:
  explicit ReplayLiveFeed(ReplayFeedOptions options) : options_(std::move(options)) {}

  // The hooks. Load and ReadAfter may be called on any thread; the others, and the answers,
  // run on the log's reply thread (above).
  //
  // Finds where the log stands; answers with Loaded, or ReadFailed (try again), or NothingToWatch.
  virtual void Load() = 0;
  // Up to `count` events with sequence > `after`, in order.
  virtual void ReadAfter(int64_t after, int count, ReadDone done) = 0;
  virtual int64_t SequenceOf(const Event& event) const = 0;
  // Takes in the events read after `position` (not empty): Advance with the last one, and hand
  // the events to the live watchers Advance returns. False when they do not continue the log
  // from `position` and the feed loads it again (then Reanchored continues the read).
  virtual bool TakeIn(const Events& events, int64_t position) = 0;
  // Whether the viewer may watch, judged once the feed has caught up; the status ends the stream.
  virtual absl::Status Admit(const Watcher& watcher) = 0;
  // Replays one event to the watcher (a frame, or nothing when it is not for them). False stops
  // this batch before the event (the stream ended, or the event cannot be read).
  virtual bool Replay(const WatcherPtr& watcher, const Event& event) = 0;
  // The log no longer holds the events after `after` the watcher needs; `retained` is what it
  // holds from there (empty: nothing). Answer with a Resync (Resynced) or end the stream
  // (Refuse); the machine then pulls again.
  virtual void Unavailable(const WatcherPtr& watcher, int64_t after, const Events& retained) = 0;

  // For the hooks.
  //
  // Load's answer: the feed stands at `position` (`complete`: nothing can follow); reads on.
  void Loaded(int64_t position, bool complete) { Anchor(position, complete, /*resync=*/false); }
  // The same after TakeIn found the log discontinued: each replaying and live watcher goes to
  // Unavailable (with nothing retained) first.
  void Reanchored(int64_t position, bool complete) { Anchor(position, complete, /*resync=*/true); }
  // A read or load failed: Retry reads again.
  void ReadFailed();
  // There is no such log: every watcher ends with `status`.
  void NothingToWatch(const absl::Status& status);
  // Under the mutex: the feed stands at `position` now, and the live watchers' cursors with it.
  // Returns the live watchers, which are owed the events up to `position` not yet handed to them.
  std::vector<WatcherPtr> Advance(int64_t position, bool complete);
  // Moves the watcher's cursor to the feed's position (it is to be sent a snapshot as of there;
  // a pending watcher replays from there); returns the position.
  int64_t Resynced(const WatcherPtr& watcher);
  // Ends the watcher's stream now with `status`; it gets no more frames.
  void Refuse(const WatcherPtr& watcher, const absl::Status& status);
  int64_t position();
  // The watchers not ended (for the member-list re-checks).
  std::vector<WatcherPtr> Watchers();
  // The next read loads the log again (it was deleted).
  void Reload();

  template <typename Derived>
  std::shared_ptr<Derived> shared_as() {
    return std::static_pointer_cast<Derived>(this->shared_from_this());
  }

 private:
  void StartRead();
  void OnRead(uint64_t read, absl::StatusOr<Events> events);
  void ReadFinished();
  void Anchor(int64_t position, bool complete, bool resync);
  // Judges the pending watchers that attached before `read` was issued.
  void EvaluatePending(uint64_t read);
  void OnReplay(const WatcherPtr& watcher, int64_t after, absl::StatusOr<Events> events);
  void PruneFinishedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ReplayFeedOptions options_;

  absl::Mutex mu_;
  std::vector<WatcherPtr> watchers_ ABSL_GUARDED_BY(mu_);
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t reads_issued_ ABSL_GUARDED_BY(mu_) = 0;  // reads of the log after the position
  int64_t position_ ABSL_GUARDED_BY(mu_) = 0;
  bool complete_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool read_failed_ ABSL_GUARDED_BY(mu_) = false;
};

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::Attach(WatcherPtr watcher) {
  watcher->stream->set_on_room(
      [weak_feed = this->weak_from_this(), weak_watcher = std::weak_ptr<Watcher>(watcher)] {
        std::shared_ptr<ReplayLiveFeed> feed = weak_feed.lock();
        std::shared_ptr<Watcher> w = weak_watcher.lock();
        if (feed != nullptr && w != nullptr) feed->PullReplay(w);
      });
  {
    absl::MutexLock lock(&mu_);
    watcher->judging_read = reads_issued_ + 1;
    watchers_.push_back(std::move(watcher));
  }
  Wake();
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::Wake() {
  {
    absl::MutexLock lock(&mu_);
    if (reading_) {
      wake_pending_ = true;
      return;
    }
    reading_ = true;
    read_failed_ = false;
  }
  StartRead();
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::Retry() {
  std::vector<WatcherPtr> replays;
  bool read = false;
  {
    absl::MutexLock lock(&mu_);
    PruneFinishedLocked();
    read = read_failed_;
    for (const WatcherPtr& watcher : watchers_) {
      if (watcher->replay_failed) {
        watcher->replay_failed = false;
        replays.push_back(watcher);
      }
    }
  }
  if (read) Wake();
  for (const WatcherPtr& watcher : replays) PullReplay(watcher);
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::FinishAll(absl::StatusCode code, absl::string_view reason,
                                               absl::string_view message) {
  std::vector<WatcherPtr> watchers;
  {
    absl::MutexLock lock(&mu_);
    watchers.swap(watchers_);
  }
  for (const WatcherPtr& watcher : watchers) {
    watcher->stream->FinishWithPosition(code, reason, message);
  }
}

template <typename Watcher, typename Event>
bool ReplayLiveFeed<Watcher, Event>::Unused() {
  absl::MutexLock lock(&mu_);
  PruneFinishedLocked();
  bool replaying = false;
  for (const WatcherPtr& watcher : watchers_) replaying = replaying || watcher->replay_in_flight;
  return watchers_.empty() && !reading_ && !replaying;
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::PruneFinishedLocked() {
  watchers_.erase(
      std::remove_if(watchers_.begin(), watchers_.end(),
                     [](const WatcherPtr& watcher) { return watcher->stream->finishing(); }),
      watchers_.end());
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::StartRead() {
  bool loaded;
  int64_t position;
  uint64_t read = 0;
  {
    absl::MutexLock lock(&mu_);
    loaded = loaded_;
    position = position_;
    if (loaded) read = ++reads_issued_;
  }
  if (!loaded) {
    Load();
    return;
  }
  ReadAfter(position, options_.read_batch,
            [self = this->shared_from_this(), read](absl::StatusOr<Events> events) {
              self->OnRead(read, std::move(events));
            });
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::OnRead(uint64_t read, absl::StatusOr<Events> events) {
  if (!events.ok()) {
    ReadFailed();
    return;
  }
  if (!events->empty() && !TakeIn(*events, position())) return;  // the feed re-anchors
  if (static_cast<int>(events->size()) == options_.read_batch) {
    StartRead();  // more may follow at once
    return;
  }
  EvaluatePending(read);
  ReadFinished();
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::ReadFinished() {
  {
    absl::MutexLock lock(&mu_);
    if (!wake_pending_) {
      reading_ = false;
      return;
    }
    wake_pending_ = false;
  }
  StartRead();
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::ReadFailed() {
  absl::MutexLock lock(&mu_);
  read_failed_ = true;
  reading_ = false;
  wake_pending_ = false;
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::NothingToWatch(const absl::Status& status) {
  std::vector<WatcherPtr> refused;
  {
    absl::MutexLock lock(&mu_);
    watchers_.swap(refused);
    reading_ = false;
    wake_pending_ = false;
  }
  for (const WatcherPtr& watcher : refused) watcher->stream->FinishNow(ToGrpcStatus(status));
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::Anchor(int64_t position, bool complete, bool resync) {
  std::vector<std::pair<WatcherPtr, int64_t>> unavailable;
  {
    absl::MutexLock lock(&mu_);
    loaded_ = true;
    position_ = position;
    complete_ = complete;
    if (resync) {
      for (const WatcherPtr& watcher : watchers_) {
        if (watcher->mode == Mode::kLive || watcher->mode == Mode::kReplaying) {
          unavailable.emplace_back(watcher, watcher->cursor);
        }
      }
    }
  }
  for (const auto& [watcher, after] : unavailable) {
    Unavailable(watcher, after, Events());
    PullReplay(watcher);
  }
  StartRead();
}

template <typename Watcher, typename Event>
std::vector<std::shared_ptr<Watcher>> ReplayLiveFeed<Watcher, Event>::Advance(int64_t position,
                                                                              bool complete) {
  std::vector<WatcherPtr> live;
  absl::MutexLock lock(&mu_);
  position_ = position;
  complete_ = complete_ || complete;
  for (const WatcherPtr& watcher : watchers_) {
    if (watcher->mode != Mode::kLive) continue;
    watcher->cursor = position_;
    live.push_back(watcher);
  }
  return live;
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::EvaluatePending(uint64_t read) {
  std::vector<WatcherPtr> pending;
  {
    absl::MutexLock lock(&mu_);
    for (const WatcherPtr& watcher : watchers_) {
      if (watcher->mode == Mode::kPending && watcher->judging_read <= read) {
        pending.push_back(watcher);
      }
    }
  }
  if (pending.empty()) return;
  std::vector<absl::Status> admitted;
  admitted.reserve(pending.size());
  for (const WatcherPtr& watcher : pending) admitted.push_back(Admit(*watcher));
  std::vector<std::pair<WatcherPtr, absl::Status>> refused;
  std::vector<WatcherPtr> replay;
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < pending.size(); ++i) {
      const WatcherPtr& watcher = pending[i];
      if (watcher->mode != Mode::kPending) continue;  // ended meanwhile (a member-list re-check)
      absl::Status status = admitted[i];
      if (status.ok() && watcher->cursor > position_) {
        status = Error(
            absl::StatusCode::kOutOfRange, "SEQUENCE_OUT_OF_RANGE",
            absl::StrCat("after_sequence is beyond the ", options_.log_owner, "'s last sequence"),
            {{"requested_sequence", absl::StrCat(watcher->cursor)},
             {"last_sequence", absl::StrCat(position_)}});
      }
      if (!status.ok()) {
        watcher->mode = Mode::kRefused;  // pruned once finished
        refused.emplace_back(watcher, std::move(status));
        continue;
      }
      if (options_.zero_is_now && watcher->cursor == 0) watcher->cursor = position_;
      watcher->mode = Mode::kReplaying;
      replay.push_back(watcher);
    }
  }
  for (const auto& [watcher, status] : refused) watcher->stream->FinishNow(ToGrpcStatus(status));
  for (const WatcherPtr& watcher : replay) PullReplay(watcher);
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::PullReplay(const WatcherPtr& watcher) {
  int64_t after = 0;
  int count = 0;
  bool finish = false;
  {
    absl::MutexLock lock(&mu_);
    if (watcher->mode != Mode::kReplaying || watcher->replay_in_flight ||
        watcher->stream->finishing()) {
      return;
    }
    if (watcher->cursor >= position_) {
      // Caught up, under the same mutex Advance moves the position with: the next live event is
      // exactly cursor + 1.
      watcher->mode = Mode::kLive;
      watcher->stream->set_wants_room(false);
      finish = complete_;
    } else {
      const int64_t room = static_cast<int64_t>(watcher->stream->capacity()) -
                           static_cast<int64_t>(watcher->stream->queued());
      count = static_cast<int>(
          std::min<int64_t>({options_.read_batch, room, position_ - watcher->cursor}));
      if (count <= 0) return;  // the stream's on_room pulls again
      watcher->replay_in_flight = true;
      after = watcher->cursor;
    }
  }
  if (finish) {
    watcher->stream->FinishAfterQueued(grpc::Status::OK);
    return;
  }
  if (count == 0) return;
  ReadAfter(after, count,
            [self = this->shared_from_this(), watcher, after](absl::StatusOr<Events> events) {
              self->OnReplay(watcher, after, std::move(events));
            });
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::OnReplay(const WatcherPtr& watcher, int64_t after,
                                              absl::StatusOr<Events> events) {
  if (!events.ok()) {
    absl::MutexLock lock(&mu_);
    watcher->replay_in_flight = false;
    watcher->replay_failed = true;  // Retry pulls again
    return;
  }
  bool moved;
  {
    absl::MutexLock lock(&mu_);
    // A resync moved the cursor while the read was in flight: what it found is behind the
    // snapshot the watcher was sent.
    moved = watcher->cursor != after;
    if (moved) watcher->replay_in_flight = false;
  }
  if (moved) {
    PullReplay(watcher);
    return;
  }
  // The read asked for events the feed has read past, so there are some, from after + 1 on,
  // unless the log no longer holds them.
  if (events->empty() || SequenceOf(events->front()) != after + 1) {
    {
      absl::MutexLock lock(&mu_);
      watcher->replay_in_flight = false;
    }
    Unavailable(watcher, after, *events);
    PullReplay(watcher);
    return;
  }
  const int64_t position = this->position();
  int64_t cursor = after;
  for (const Event& event : *events) {
    const int64_t sequence = SequenceOf(event);
    if (sequence != cursor + 1 || sequence > position || !Replay(watcher, event)) break;
    cursor = sequence;
  }
  {
    absl::MutexLock lock(&mu_);
    watcher->replay_in_flight = false;
    watcher->cursor = cursor;
  }
  PullReplay(watcher);
}

template <typename Watcher, typename Event>
int64_t ReplayLiveFeed<Watcher, Event>::Resynced(const WatcherPtr& watcher) {
  absl::MutexLock lock(&mu_);
  watcher->cursor = position_;
  if (watcher->mode == Mode::kPending) watcher->mode = Mode::kReplaying;
  return position_;
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::Refuse(const WatcherPtr& watcher, const absl::Status& status) {
  {
    absl::MutexLock lock(&mu_);
    watcher->mode = Mode::kRefused;  // no more frames; pruned once finished
  }
  watcher->stream->FinishNow(ToGrpcStatus(status));
}

template <typename Watcher, typename Event>
int64_t ReplayLiveFeed<Watcher, Event>::position() {
  absl::MutexLock lock(&mu_);
  return position_;
}

template <typename Watcher, typename Event>
std::vector<std::shared_ptr<Watcher>> ReplayLiveFeed<Watcher, Event>::Watchers() {
  std::vector<WatcherPtr> watchers;
  absl::MutexLock lock(&mu_);
  for (const WatcherPtr& watcher : watchers_) {
    if (watcher->mode != Mode::kRefused && !watcher->stream->finishing()) {
      watchers.push_back(watcher);
    }
  }
  return watchers;
}

template <typename Watcher, typename Event>
void ReplayLiveFeed<Watcher, Event>::Reload() {
  absl::MutexLock lock(&mu_);
  loaded_ = false;
}

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_REPLAY_FEED_H_
