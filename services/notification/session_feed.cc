// SessionFeed: reading the log, folding, projecting per viewer, replay and the live switch.
#include "services/notification/session_feed.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"
#include "libs/server/json_log.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/session_names.h"
#include "libs/session_engine/session_projection.h"
#include "libs/session_engine/session_queries.h"

namespace casework::notification {
namespace {

namespace v1 = ::casework::v1;

absl::Time AppendTime(const v1::SessionEvent& event) {
  return absl::FromUnixNanos(
      google::protobuf::util::TimeUtil::TimestampToNanoseconds(event.event_time()));
}

SessionFrame EventFrame(v1::SessionEvent projected, bool live) {
  auto message = std::make_shared<v1::WatchSessionResponse>();
  const int64_t sequence = projected.sequence();
  const absl::Time appended = AppendTime(projected);
  *message->mutable_event() = std::move(projected);
  return SessionFrame{std::move(message), sequence, appended, live};
}

// The projection every viewer gets unless the event's visibility depends on who looks (a sealed
// contribution is visible to its author only, a release vote's choice to its voter).
const v1::Principal& Anonymous() {
  static const v1::Principal* anonymous = new v1::Principal;
  return *anonymous;
}

}  // namespace

SessionFeed::SessionFeed(std::string session_name, session::RedisEventLog& log, FeedOptions options,
                         NotificationMetrics& metrics, TeamDirectory& members)
    : name_(std::move(session_name)),
      team_(session::TeamOfSession(name_)),
      log_(log),
      options_(options),
      metrics_(metrics),
      members_(members),
      member_lists_(std::make_shared<MemberListChanges>(members)) {}

void SessionFeed::Attach(std::shared_ptr<SessionWatcher> watcher) {
  {
    absl::MutexLock lock(&mu_);
    watchers_.push_back(std::move(watcher));
  }
  // The watcher is judged once the feed has caught up with the stream as it is now.
  Wake();
}

void SessionFeed::Wake() {
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

void SessionFeed::Purged() {
  {
    absl::MutexLock lock(&mu_);
    reload_ = true;  // a watcher attaching later finds the session gone
  }
  FinishAll(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
            "session not found: its live log was deleted under the organisation's retention "
            "policy (its record is kept)");
}

void SessionFeed::Retry() {
  std::vector<std::shared_ptr<SessionWatcher>> replays;
  bool read = false;
  {
    absl::MutexLock lock(&mu_);
    watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                   [](const std::shared_ptr<SessionWatcher>& w) {
                                     return w->stream->finishing();
                                   }),
                    watchers_.end());
    read = read_failed_;
    for (const auto& watcher : watchers_) {
      if (watcher->replay_failed) {
        watcher->replay_failed = false;
        replays.push_back(watcher);
      }
    }
  }
  if (read) Wake();
  for (const auto& watcher : replays) PullReplay(watcher);
}

void SessionFeed::FinishAll(absl::StatusCode code, absl::string_view reason,
                            absl::string_view message) {
  std::vector<std::shared_ptr<SessionWatcher>> watchers;
  {
    absl::MutexLock lock(&mu_);
    watchers.swap(watchers_);
  }
  for (const auto& watcher : watchers) watcher->stream->FinishWithPosition(code, reason, message);
}

bool SessionFeed::Unused() {
  absl::MutexLock lock(&mu_);
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [](const std::shared_ptr<SessionWatcher>& w) {
                                   return w->stream->finishing();
                                 }),
                  watchers_.end());
  bool replaying = false;
  for (const auto& watcher : watchers_) replaying = replaying || watcher->replay_in_flight;
  return watchers_.empty() && !reading_ && !replaying;
}

void SessionFeed::StartRead() {
  bool loaded;
  int64_t position;
  {
    absl::MutexLock lock(&mu_);
    loaded = loaded_ && !reload_;
    reload_ = false;
    position = position_;
  }
  std::shared_ptr<SessionFeed> self = shared_from_this();
  if (!loaded) {
    log_.Load(name_, [self](absl::StatusOr<session::StoredSession> stored) {
      self->OnSnapshot(std::move(stored), /*reanchor=*/false);
    });
    return;
  }
  log_.ReadAfter(name_, position, options_.read_batch,
                 [self](absl::StatusOr<std::vector<session::StoredEvent>> events) {
                   self->OnRead(std::move(events));
                 });
}

void SessionFeed::OnSnapshot(absl::StatusOr<session::StoredSession> snapshot, bool reanchor) {
  int64_t position = 0;
  if (snapshot.ok()) {
    // The newest snapshot and the events after it, folded: the feed stands at the head.
    std::vector<absl::string_view> tail;
    for (const session::StoredEvent& event : snapshot->tail) tail.push_back(event.data);
    absl::StatusOr<v1::SessionSnapshot> state =
        session::Restore(snapshot->state, snapshot->protocol, tail);
    if (state.ok()) {
      state_ = *std::move(state);
      position = snapshot->tail.empty() ? snapshot->state_version : snapshot->tail.back().sequence;
    } else {
      snapshot = state.status();
    }
  }
  if (!snapshot.ok()) {
    std::vector<std::shared_ptr<SessionWatcher>> refused;
    {
      absl::MutexLock lock(&mu_);
      if (absl::IsNotFound(snapshot.status())) {
        // No such session: every waiting watcher gets the one not-found answer.
        watchers_.swap(refused);
      } else {
        read_failed_ = true;
      }
      reading_ = false;
      wake_pending_ = false;
    }
    for (const auto& watcher : refused) {
      watcher->stream->FinishNow(ToGrpcStatus(session::SessionNotFound()));
    }
    return;
  }
  std::vector<std::shared_ptr<SessionWatcher>> resync;
  {
    absl::MutexLock lock(&mu_);
    loaded_ = true;
    position_ = position;
    recorded_ = !state_.session().session_record().empty();
    if (reanchor) {
      for (const auto& watcher : watchers_) {
        if (watcher->mode == SessionWatcher::Mode::kLive ||
            watcher->mode == SessionWatcher::Mode::kReplaying) {
          resync.push_back(watcher);
        }
      }
    }
  }
  for (const auto& watcher : resync) {
    SendResync(watcher, v1::RESYNC_REASON_REPLAY_UNAVAILABLE);
    PullReplay(watcher);
  }
  StartRead();
}

void SessionFeed::OnRead(absl::StatusOr<std::vector<session::StoredEvent>> stored) {
  if (!stored.ok()) {
    absl::MutexLock lock(&mu_);
    read_failed_ = true;
    reading_ = false;
    wake_pending_ = false;
    return;
  }
  int64_t position;
  {
    absl::MutexLock lock(&mu_);
    position = position_;
  }
  std::vector<v1::SessionEvent> events;
  events.reserve(stored->size());
  for (const session::StoredEvent& entry : *stored) {
    v1::SessionEvent event;
    if (entry.sequence != position + 1 || !event.ParseFromString(entry.data) ||
        event.sequence() != entry.sequence) {
      // The log no longer continues from where this feed stands (trimmed or lost in a Redis
      // restart without its data): re-anchor on the snapshot and resync every watcher.
      Log(LogSeverity::kWarning, "session log does not continue the feed; resynchronising",
          {{"position", position}, {"found", entry.sequence}});
      log_.Load(name_,
                [self = shared_from_this()](absl::StatusOr<session::StoredSession> snapshot) {
                  self->OnSnapshot(std::move(snapshot), /*reanchor=*/true);
                });
      return;
    }
    session::ApplyInPlace(&state_, event);
    position = entry.sequence;
    events.push_back(std::move(event));
  }
  if (!events.empty()) Deliver(events);
  if (static_cast<int>(stored->size()) == options_.read_batch) {
    StartRead();  // more may follow at once
    return;
  }
  EvaluatePending();
  ReadFinished();
}

void SessionFeed::ReadFinished() {
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

void SessionFeed::Deliver(const std::vector<v1::SessionEvent>& events) {
  std::vector<std::shared_ptr<SessionWatcher>> live;
  bool recorded = false;
  {
    absl::MutexLock lock(&mu_);
    position_ = events.back().sequence();
    for (const v1::SessionEvent& event : events) {
      recorded = recorded || event.payload_case() == v1::SessionEvent::kSessionRecordStored;
    }
    recorded_ = recorded_ || recorded;
    for (const auto& watcher : watchers_) {
      if (watcher->mode != SessionWatcher::Mode::kLive) continue;
      watcher->cursor = position_;
      live.push_back(watcher);
    }
  }
  if (live.empty()) return;
  for (const v1::SessionEvent& event : events) {
    const SessionFrame shared = EventFrame(session::ProjectEvent(state_, event, Anonymous()), true);
    absl::flat_hash_map<std::string, SessionFrame> own;  // by subject, for sealed entries
    for (const auto& watcher : live) {
      if (!session::SeesMoreThanOthers(event, watcher->viewer)) {
        watcher->stream->Push(shared);
        continue;
      }
      auto [it, inserted] = own.try_emplace(watcher->viewer.subject());
      if (inserted)
        it->second = EventFrame(session::ProjectEvent(state_, event, watcher->viewer), true);
      watcher->stream->Push(it->second);
    }
  }
  if (recorded) {
    for (const auto& watcher : live) watcher->stream->FinishAfterQueued(grpc::Status::OK);
  }
}

void SessionFeed::EvaluatePending() {
  std::vector<std::pair<std::shared_ptr<SessionWatcher>, absl::Status>> refused;
  std::vector<std::shared_ptr<SessionWatcher>> replay;
  std::vector<std::shared_ptr<SessionWatcher>> ended;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& watcher : watchers_) {
      if (watcher->mode != SessionWatcher::Mode::kPending) continue;
      if (!session::MayReadSession(state_, watcher->viewer)) {
        refused.emplace_back(watcher, session::SessionNotFound());
      } else if (watcher->cursor > position_) {
        refused.emplace_back(watcher, Error(absl::StatusCode::kOutOfRange, "SEQUENCE_OUT_OF_RANGE",
                                            "after_sequence is beyond the session's last sequence",
                                            {{"requested_sequence", absl::StrCat(watcher->cursor)},
                                             {"last_sequence", absl::StrCat(position_)}}));
      } else {
        watcher->mode = SessionWatcher::Mode::kReplaying;
        replay.push_back(watcher);
      }
    }
    for (const auto& [watcher, status] : refused) {
      watcher->mode = SessionWatcher::Mode::kRefused;  // pruned once finished
    }
  }
  for (const auto& [watcher, status] : refused) watcher->stream->FinishNow(ToGrpcStatus(status));
  for (const auto& watcher : replay) PullReplay(watcher);
}

void SessionFeed::PullReplay(const std::shared_ptr<SessionWatcher>& watcher) {
  int64_t after = 0;
  int count = 0;
  bool finish = false;
  {
    absl::MutexLock lock(&mu_);
    if (watcher->mode != SessionWatcher::Mode::kReplaying || watcher->replay_in_flight ||
        watcher->stream->finishing()) {
      return;
    }
    if (watcher->cursor >= position_) {
      // Caught up, under the same mutex Deliver advances the position with: the next live event
      // is exactly cursor + 1.
      watcher->mode = SessionWatcher::Mode::kLive;
      watcher->stream->set_wants_room(false);
      finish = recorded_;
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
  log_.ReadAfter(name_, after, count,
                 [self = shared_from_this(), watcher,
                  after](absl::StatusOr<std::vector<session::StoredEvent>> events) {
                   self->OnReplay(watcher, after, std::move(events));
                 });
}

void SessionFeed::OnReplay(const std::shared_ptr<SessionWatcher>& watcher, int64_t after,
                           absl::StatusOr<std::vector<session::StoredEvent>> stored) {
  if (!stored.ok()) {
    absl::MutexLock lock(&mu_);
    watcher->replay_in_flight = false;
    watcher->replay_failed = true;  // Retry() pulls again
    return;
  }
  if (stored->empty() || stored->front().sequence != after + 1) {
    {
      absl::MutexLock lock(&mu_);
      watcher->replay_in_flight = false;
    }
    SendResync(watcher, stored->empty() ? v1::RESYNC_REASON_REPLAY_UNAVAILABLE
                                        : v1::RESYNC_REASON_POSITION_TRIMMED);
    PullReplay(watcher);
    return;
  }
  int64_t cursor = after;
  for (const session::StoredEvent& entry : *stored) {
    v1::SessionEvent event;
    if (entry.sequence != cursor + 1 || !event.ParseFromString(entry.data)) break;
    // state_ is at the feed's position, at or after every replayed event, as ProjectEvent needs.
    if (!watcher->stream->Push(EventFrame(session::ProjectEvent(state_, event, watcher->viewer),
                                          /*live=*/false))) {
      break;
    }
    cursor = entry.sequence;
  }
  {
    absl::MutexLock lock(&mu_);
    watcher->replay_in_flight = false;
    watcher->cursor = cursor;
  }
  PullReplay(watcher);
}

void SessionFeed::SendResync(const std::shared_ptr<SessionWatcher>& watcher,
                             v1::ResyncReason reason) {
  int64_t position;
  {
    absl::MutexLock lock(&mu_);
    position = position_;
    watcher->cursor = position;
    if (watcher->mode == SessionWatcher::Mode::kPending)
      watcher->mode = SessionWatcher::Mode::kReplaying;
  }
  auto message = std::make_shared<v1::WatchSessionResponse>();
  v1::Resync* resync = message->mutable_resync();
  *resync->mutable_snapshot() =
      session::ProjectSession(state_, watcher->viewer, v1::SESSION_VIEW_FULL);
  resync->set_sequence(position);
  resync->set_reason(reason);
  metrics_.resyncs->Increment();
  watcher->stream->Push(SessionFrame{std::move(message), position, absl::Now(), false});
}

}  // namespace casework::notification
