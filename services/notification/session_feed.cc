// SessionFeed: the session's log read, folded and projected per viewer on the replay-then-live
// machine (replay_feed.h); resyncs, re-anchoring and the end after the record is stored.
#include "services/notification/session_feed.h"

#include "absl/container/flat_hash_map.h"
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

ReplayFeedOptions MachineOptions(const FeedOptions& options) {
  ReplayFeedOptions machine;
  machine.read_batch = options.read_batch;
  machine.log_owner = "session";
  return machine;
}

}  // namespace

SessionFeed::SessionFeed(std::string session_name, session::RedisEventLog& log, FeedOptions options,
                         NotificationMetrics& metrics, TeamDirectory& members)
    : ReplayLiveFeed(MachineOptions(options)),
      name_(std::move(session_name)),
      team_(session::TeamOfSession(name_)),
      log_(log),
      metrics_(metrics),
      members_(members),
      member_lists_(std::make_shared<MemberListChanges>(members)) {}

void SessionFeed::Purged() {
  Reload();  // a watcher attaching later finds the session gone
  FinishAll(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
            "session not found: its live log was deleted under the organisation's retention "
            "policy (its record is kept)");
}

void SessionFeed::Load() {
  log_.Load(name_,
            [self = shared_as<SessionFeed>()](absl::StatusOr<session::StoredSession> stored) {
              self->OnSnapshot(std::move(stored), /*reanchor=*/false);
            });
}

void SessionFeed::ReadAfter(int64_t after, int count, ReadDone done) {
  log_.ReadAfter(name_, after, count, std::move(done));
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
    if (absl::IsNotFound(snapshot.status())) {
      // No such session: every waiting watcher gets the one not-found answer.
      NothingToWatch(session::SessionNotFound());
    } else {
      ReadFailed();
    }
    return;
  }
  // SessionRecordStored reached: nothing follows.
  const bool recorded = !state_.session().session_record().empty();
  if (reanchor) {
    Reanchored(position, recorded);
  } else {
    Loaded(position, recorded);
  }
}

bool SessionFeed::TakeIn(const std::vector<session::StoredEvent>& stored, int64_t position) {
  std::vector<v1::SessionEvent> events;
  events.reserve(stored.size());
  bool recorded = false;
  for (const session::StoredEvent& entry : stored) {
    v1::SessionEvent event;
    if (entry.sequence != position + 1 || !event.ParseFromString(entry.data) ||
        event.sequence() != entry.sequence) {
      // The log no longer continues from where this feed stands (trimmed or lost in a Redis
      // restart without its data): re-anchor on the snapshot and resync every watcher.
      Log(LogSeverity::kWarning, "session log does not continue the feed; resynchronising",
          {{"position", position}, {"found", entry.sequence}});
      log_.Load(name_,
                [self = shared_as<SessionFeed>()](absl::StatusOr<session::StoredSession> snapshot) {
                  self->OnSnapshot(std::move(snapshot), /*reanchor=*/true);
                });
      return false;
    }
    session::ApplyInPlace(&state_, event);
    position = entry.sequence;
    recorded = recorded || event.payload_case() == v1::SessionEvent::kSessionRecordStored;
    events.push_back(std::move(event));
  }
  const std::vector<std::shared_ptr<SessionWatcher>> live = Advance(position, recorded);
  if (live.empty()) return true;
  Deliver(live, events);
  if (recorded) {
    for (const auto& watcher : live) watcher->stream->FinishAfterQueued(grpc::Status::OK);
  }
  return true;
}

void SessionFeed::Deliver(const std::vector<std::shared_ptr<SessionWatcher>>& live,
                          const std::vector<v1::SessionEvent>& events) {
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
}

absl::Status SessionFeed::Admit(const SessionWatcher& watcher) {
  return session::MayReadSession(state_, watcher.viewer) ? absl::OkStatus()
                                                         : session::SessionNotFound();
}

bool SessionFeed::Replay(const std::shared_ptr<SessionWatcher>& watcher,
                         const session::StoredEvent& stored) {
  v1::SessionEvent event;
  if (!event.ParseFromString(stored.data)) return false;
  // state_ is at the feed's position, at or after every replayed event, as ProjectEvent needs.
  return watcher->stream->Push(
      EventFrame(session::ProjectEvent(state_, event, watcher->viewer), /*live=*/false));
}

void SessionFeed::Unavailable(const std::shared_ptr<SessionWatcher>& watcher, int64_t /*after*/,
                              const std::vector<session::StoredEvent>& retained) {
  SendResync(watcher, retained.empty() ? v1::RESYNC_REASON_REPLAY_UNAVAILABLE
                                       : v1::RESYNC_REASON_POSITION_TRIMMED);
}

void SessionFeed::SendResync(const std::shared_ptr<SessionWatcher>& watcher,
                             v1::ResyncReason reason) {
  const int64_t position = Resynced(watcher);
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
