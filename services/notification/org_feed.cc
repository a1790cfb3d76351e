// OrgLogFeed and OrgFeed: organisation event streams, filtered per watcher.
#include "services/notification/org_feed.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"

namespace casework::notification {
namespace {

namespace v1 = ::casework::v1;

OrgFrame FrameOf(const StoredOrgEvent& stored) {
  auto message = std::make_shared<v1::WatchOrganizationResponse>();
  *message->mutable_event() = stored.event;
  return OrgFrame{std::move(message), stored.event.sequence(), absl::Now(), false};
}

ReplayFeedOptions MachineOptions(int read_batch) {
  ReplayFeedOptions machine;
  machine.read_batch = read_batch;
  machine.log_owner = "organisation";
  machine.zero_is_now = true;  // after_sequence 0: only what comes from now on
  return machine;
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
    : ReplayLiveFeed(MachineOptions(read_batch)),
      organization_(std::move(organization)),
      log_(log),
      members_(members),
      member_lists_(std::make_shared<MemberListChanges>(members)) {}

void OrgLogFeed::Load() {
  log_.LastSequence(organization_, [self = shared_as<OrgLogFeed>()](absl::StatusOr<int64_t> last) {
    if (!last.ok()) {
      self->ReadFailed();
      return;
    }
    self->Loaded(*last, /*complete=*/false);
  });
}

void OrgLogFeed::ReadAfter(int64_t after, int count, ReadDone done) {
  log_.ReadAfter(organization_, after, count, std::move(done));
}

bool OrgLogFeed::TakeIn(const std::vector<StoredOrgEvent>& events, int64_t position) {
  const std::vector<std::shared_ptr<OrgWatcher>> live =
      Advance(events.back().event.sequence(), /*complete=*/false);
  // Dropped by the retention before this feed read them (only after a very long stall): the live
  // watchers are told so instead of silently skipping.
  if (events.front().event.sequence() > position + 1) {
    for (const auto& watcher : live) Unavailable(watcher, position, events);
    return true;
  }
  for (const StoredOrgEvent& event : events) {
    std::optional<OrgFrame> frame;
    for (const auto& watcher : live) {
      if (!watcher->Wants(event)) continue;
      if (!frame.has_value()) frame = FrameOf(event);
      watcher->stream->Push(*frame);
    }
  }
  return true;
}

absl::Status OrgLogFeed::Admit(const OrgWatcher&) {
  return absl::OkStatus();  // any caller of the organisation; each event is filtered
}

bool OrgLogFeed::Replay(const std::shared_ptr<OrgWatcher>& watcher, const StoredOrgEvent& event) {
  return !watcher->Wants(event) || watcher->stream->Push(FrameOf(event));
}

// Ends the watcher's stream OUT_OF_RANGE: events after `after` were dropped by the retention.
void OrgLogFeed::Unavailable(const std::shared_ptr<OrgWatcher>& watcher, int64_t after,
                             const std::vector<StoredOrgEvent>& retained) {
  const int64_t last = position();
  const int64_t first = retained.empty() ? last + 1 : retained.front().event.sequence();
  Refuse(watcher,
         Error(absl::StatusCode::kOutOfRange, "SEQUENCE_OUT_OF_RANGE",
               "the organisation events after after_sequence are no longer retained; watch again "
               "with after_sequence 0 for the events from now on",
               {{"requested_sequence", absl::StrCat(after)},
                {"first_sequence", absl::StrCat(first)},
                {"last_sequence", absl::StrCat(last)}}));
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
      [&watcher](const std::shared_ptr<OrgLogFeed>& feed) { feed->Attach(std::move(watcher)); });
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
