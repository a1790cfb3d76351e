// OrgLogFeed and OrgFeed: organisation event streams, filtered per watcher.
#include "services/notification/org_feed.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"

namespace casework::notification {
namespace {

namespace v1 = ::casework::v1;

bool Finishing(const std::shared_ptr<OrgWatcher>& watcher) { return watcher->stream->finishing(); }

OrgFrame FrameOf(const StoredOrgEvent& stored) {
  auto message = std::make_shared<v1::WatchOrganizationResponse>();
  *message->mutable_event() = stored.event;
  return OrgFrame{std::move(message), stored.event.sequence(), absl::Now(), false};
}

}  // namespace

v1::OrganizationEventKind KindOf(const v1::OrganizationEvent& event) {
  switch (event.payload_case()) {
    case v1::OrganizationEvent::kPhaseTimeWarning:
      return v1::ORGANIZATION_EVENT_KIND_PHASE_TIME_WARNING;
    case v1::OrganizationEvent::kPhaseOverrun:
      return v1::ORGANIZATION_EVENT_KIND_PHASE_OVERRUN;
    case v1::OrganizationEvent::kActionItemDueSoon:
      return v1::ORGANIZATION_EVENT_KIND_ACTION_ITEM_DUE_SOON;
    case v1::OrganizationEvent::kActionItemOverdue:
      return v1::ORGANIZATION_EVENT_KIND_ACTION_ITEM_OVERDUE;
    case v1::OrganizationEvent::kMeetingDue:
      return v1::ORGANIZATION_EVENT_KIND_MEETING_DUE;
    case v1::OrganizationEvent::kSessionStarted:
      return v1::ORGANIZATION_EVENT_KIND_SESSION_STARTED;
    case v1::OrganizationEvent::kSessionEnded:
      return v1::ORGANIZATION_EVENT_KIND_SESSION_ENDED;
    case v1::OrganizationEvent::PAYLOAD_NOT_SET:
      break;
  }
  return v1::ORGANIZATION_EVENT_KIND_UNSPECIFIED;
}

bool OrgWatcher::Wants(const StoredOrgEvent& event) const {
  if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), KindOf(event.event)) == kinds.end()) {
    return false;
  }
  absl::MutexLock lock(&teams_mu_);
  return Addressed(event.recipients, viewer.subject(), teams_);
}

void OrgWatcher::Reverified(const std::string& team_id,
                            const absl::StatusOr<v1::TeamMember>& member) {
  absl::MutexLock lock(&teams_mu_);
  teams_.Apply(team_id, member);
}

OrgLogFeed::OrgLogFeed(std::string organization, OrgEventLog& log, int read_batch,
                       TeamDirectory& members)
    : organization_(std::move(organization)),
      log_(log),
      read_batch_(read_batch),
      members_(members),
      member_lists_(std::make_shared<MemberListChanges>(members)) {}

void OrgLogFeed::Attach(std::shared_ptr<OrgWatcher> watcher) {
  {
    absl::MutexLock lock(&mu_);
    watchers_.push_back(std::move(watcher));
  }
  Wake();
}

void OrgLogFeed::Wake() {
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

void OrgLogFeed::Retry() {
  std::vector<std::shared_ptr<OrgWatcher>> replays;
  bool read = false;
  {
    absl::MutexLock lock(&mu_);
    watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(), Finishing), watchers_.end());
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

void OrgLogFeed::FinishAll(absl::StatusCode code, absl::string_view reason,
                           absl::string_view message) {
  std::vector<std::shared_ptr<OrgWatcher>> watchers;
  {
    absl::MutexLock lock(&mu_);
    watchers.swap(watchers_);
  }
  for (const auto& watcher : watchers) watcher->stream->FinishWithPosition(code, reason, message);
}

bool OrgLogFeed::Unused() {
  absl::MutexLock lock(&mu_);
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(), Finishing), watchers_.end());
  bool replaying = false;
  for (const auto& watcher : watchers_) replaying = replaying || watcher->replay_in_flight;
  return watchers_.empty() && !reading_ && !replaying;
}

void OrgLogFeed::StartRead() {
  bool loaded;
  int64_t position;
  {
    absl::MutexLock lock(&mu_);
    loaded = loaded_;
    position = position_;
  }
  std::shared_ptr<OrgLogFeed> self = shared_from_this();
  if (!loaded) {
    log_.LastSequence(organization_, [self](absl::StatusOr<int64_t> last) {
      {
        absl::MutexLock lock(&self->mu_);
        if (!last.ok()) {
          self->read_failed_ = true;
          self->reading_ = false;
          self->wake_pending_ = false;
          return;
        }
        self->loaded_ = true;
        self->position_ = *last;
      }
      self->StartRead();
    });
    return;
  }
  log_.ReadAfter(organization_, position, read_batch_,
                 [self](absl::StatusOr<std::vector<StoredOrgEvent>> events) {
                   self->OnRead(std::move(events));
                 });
}

void OrgLogFeed::OnRead(absl::StatusOr<std::vector<StoredOrgEvent>> events) {
  if (!events.ok()) {
    absl::MutexLock lock(&mu_);
    read_failed_ = true;
    reading_ = false;
    wake_pending_ = false;
    return;
  }
  std::vector<std::shared_ptr<OrgWatcher>> live;
  int64_t previous = 0;
  if (!events->empty()) {
    absl::MutexLock lock(&mu_);
    previous = position_;
    position_ = events->back().event.sequence();
    for (const auto& watcher : watchers_) {
      if (watcher->mode != OrgWatcher::Mode::kLive) continue;
      watcher->cursor = position_;
      live.push_back(watcher);
    }
  }
  // Dropped by the retention before this feed read them (only after a very long stall): the live
  // watchers are told so instead of silently skipping.
  if (!events->empty() && events->front().event.sequence() > previous + 1) {
    for (const auto& watcher : live) NotRetained(watcher, previous, *events);
    live.clear();
  }
  for (const StoredOrgEvent& event : *events) {
    std::optional<OrgFrame> frame;
    for (const auto& watcher : live) {
      if (!watcher->Wants(event)) continue;
      if (!frame.has_value()) frame = FrameOf(event);
      watcher->stream->Push(*frame);
    }
  }
  if (static_cast<int>(events->size()) == read_batch_) {
    StartRead();
    return;
  }
  EvaluatePending();
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

void OrgLogFeed::EvaluatePending() {
  std::vector<std::pair<std::shared_ptr<OrgWatcher>, absl::Status>> refused;
  std::vector<std::shared_ptr<OrgWatcher>> replay;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& watcher : watchers_) {
      if (watcher->mode != OrgWatcher::Mode::kPending) continue;
      if (watcher->cursor > position_) {
        watcher->mode = OrgWatcher::Mode::kRefused;
        refused.emplace_back(watcher,
                             Error(absl::StatusCode::kOutOfRange, "SEQUENCE_OUT_OF_RANGE",
                                   "after_sequence is beyond the organisation's last sequence",
                                   {{"requested_sequence", absl::StrCat(watcher->cursor)},
                                    {"last_sequence", absl::StrCat(position_)}}));
        continue;
      }
      if (watcher->cursor == 0) watcher->cursor = position_;  // only what comes from now on
      watcher->mode = OrgWatcher::Mode::kReplaying;
      replay.push_back(watcher);
    }
  }
  for (const auto& [watcher, status] : refused) watcher->stream->FinishNow(ToGrpcStatus(status));
  for (const auto& watcher : replay) PullReplay(watcher);
}

void OrgLogFeed::PullReplay(const std::shared_ptr<OrgWatcher>& watcher) {
  int64_t after = 0;
  int count = 0;
  {
    absl::MutexLock lock(&mu_);
    if (watcher->mode != OrgWatcher::Mode::kReplaying || watcher->replay_in_flight ||
        watcher->stream->finishing()) {
      return;
    }
    if (watcher->cursor >= position_) {
      watcher->mode = OrgWatcher::Mode::kLive;
      watcher->stream->set_wants_room(false);
      return;
    }
    const int64_t room = static_cast<int64_t>(watcher->stream->capacity()) -
                         static_cast<int64_t>(watcher->stream->queued());
    count = static_cast<int>(std::min<int64_t>({read_batch_, room, position_ - watcher->cursor}));
    if (count <= 0) return;
    watcher->replay_in_flight = true;
    after = watcher->cursor;
  }
  log_.ReadAfter(organization_, after, count,
                 [self = shared_from_this(), watcher, after,
                  count](absl::StatusOr<std::vector<StoredOrgEvent>> events) {
                   self->OnReplay(watcher, after, count, std::move(events));
                 });
}

void OrgLogFeed::OnReplay(const std::shared_ptr<OrgWatcher>& watcher, int64_t after, int count,
                          absl::StatusOr<std::vector<StoredOrgEvent>> events) {
  if (!events.ok()) {
    absl::MutexLock lock(&mu_);
    watcher->replay_in_flight = false;
    watcher->replay_failed = true;
    return;
  }
  int64_t position;
  {
    absl::MutexLock lock(&mu_);
    position = position_;
  }
  // The feed asked for at most position - after events, so an empty answer or a first event past
  // after + 1 means the retention dropped the events this watcher still needs.
  if (events->empty() ? after < position : events->front().event.sequence() > after + 1) {
    NotRetained(watcher, after, *events);
    return;
  }
  int64_t cursor = after;
  bool stopped = false;
  for (const StoredOrgEvent& event : *events) {
    if (event.event.sequence() > position ||
        (watcher->Wants(event) && !watcher->stream->Push(FrameOf(event)))) {
      stopped = true;
      break;
    }
    cursor = event.event.sequence();
  }
  // Fewer entries than asked for: the log holds nothing more up to the feed's position.
  if (!stopped && static_cast<int>(events->size()) < count) cursor = std::max(cursor, position);
  {
    absl::MutexLock lock(&mu_);
    watcher->replay_in_flight = false;
    watcher->cursor = cursor;
  }
  PullReplay(watcher);
}

void OrgLogFeed::NotRetained(const std::shared_ptr<OrgWatcher>& watcher, int64_t after,
                             const std::vector<StoredOrgEvent>& retained) {
  int64_t last;
  {
    absl::MutexLock lock(&mu_);
    watcher->mode = OrgWatcher::Mode::kRefused;
    watcher->replay_in_flight = false;
    last = position_;
  }
  const int64_t first = retained.empty() ? last + 1 : retained.front().event.sequence();
  watcher->stream->FinishNow(ToGrpcStatus(
      Error(absl::StatusCode::kOutOfRange, "SEQUENCE_OUT_OF_RANGE",
            "the organisation events after after_sequence are no longer retained; watch again "
            "with after_sequence 0 for the events from now on",
            {{"requested_sequence", absl::StrCat(after)},
             {"first_sequence", absl::StrCat(first)},
             {"last_sequence", absl::StrCat(last)}})));
}

OrgFeed::OrgFeed(OrgEventLog& log, OrgFeedOptions options, TeamDirectory& members)
    : log_(log),
      options_(options),
      members_(members),
      feeds_(options.retry_interval, options.poll_interval) {}

OrgFeed::~OrgFeed() { StopTicker(); }

void OrgFeed::StopTicker() { feeds_.StopTicker(); }

bool OrgFeed::Attach(std::shared_ptr<OrgWatcher> watcher) {
  const std::string organization = watcher->viewer.organization();
  return feeds_.WithFeed(
      organization,
      [&] {
        return std::make_shared<OrgLogFeed>(organization, log_, options_.read_batch, members_);
      },
      [&watcher](const std::shared_ptr<OrgLogFeed>& feed) {
        watcher->stream->set_on_room([weak_feed = std::weak_ptr<OrgLogFeed>(feed),
                                      weak_watcher = std::weak_ptr<OrgWatcher>(watcher)] {
          std::shared_ptr<OrgLogFeed> f = weak_feed.lock();
          std::shared_ptr<OrgWatcher> w = weak_watcher.lock();
          if (f != nullptr && w != nullptr) f->PullReplay(w);
        });
        feed->Attach(std::move(watcher));
      });
}

bool OrgFeed::OnWakeMessage(absl::string_view channel) {
  const std::string organization = OrgKeys::OrganizationOfChannel(channel);
  if (organization.empty()) return false;
  feeds_.Wake(organization);
  return true;
}

std::vector<std::string> OrgFeed::Organizations() { return feeds_.Keys(); }

void OrgFeed::WakeAll() { feeds_.WakeAll(); }

void OrgFeed::Shutdown() { feeds_.Shutdown(); }

}  // namespace casework::notification
