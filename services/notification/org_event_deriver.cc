// OrgEventDeriver: session events → organisation events, once.
#include "services/notification/org_event_deriver.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/session_queries.h"

namespace casework::notification {
namespace {

namespace v1 = ::casework::v1;

// Sessions whose quiet stretch is remembered; past it the memory starts over (a miss only costs
// reading that stretch again).
constexpr size_t kQuietSessions = 65536;

// "cw:<org>:{<team>/<session>}:<suffix>" → the session's name, or "".
std::string SessionOfKey(absl::string_view key, absl::string_view suffix) {
  if (!absl::ConsumePrefix(&key, "cw:") || !absl::ConsumeSuffix(&key, suffix)) return "";
  const size_t colon = key.find(':');
  if (colon == absl::string_view::npos) return "";
  absl::string_view organization = key.substr(0, colon);
  absl::string_view tagged = key.substr(colon + 1);
  if (!absl::ConsumePrefix(&tagged, "{") || !absl::ConsumeSuffix(&tagged, "}")) return "";
  std::vector<absl::string_view> parts = absl::StrSplit(tagged, '/');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) return "";
  return absl::StrCat("organizations/", organization, "/teams/", parts[0], "/sessions/", parts[1]);
}

struct SessionParts {
  std::string organization;
  std::string team;  // organizations/{o}/teams/{t}
  std::string team_id;
};

SessionParts PartsOf(absl::string_view session_name) {
  std::vector<std::string> parts = absl::StrSplit(session_name, '/');
  if (parts.size() != 6) return {};
  return {parts[1], absl::StrCat("organizations/", parts[1], "/teams/", parts[3]), parts[3]};
}

}  // namespace

std::vector<OrgEventToAppend> DeriveOrgEvents(const v1::SessionSnapshot& state,
                                              const v1::SessionEvent& event) {
  const v1::Session& session = state.session();
  const SessionParts parts = PartsOf(event.session());
  OrgEventToAppend out;
  out.dedup_key = absl::StrCat(event.session(), "#", event.sequence());
  out.event.set_team(parts.team);
  *out.event.mutable_event_time() = event.event_time();
  const std::string facilitator =
      session.facilitator().empty() ? "" : absl::StrCat("user:", session.facilitator());
  switch (event.payload_case()) {
    case v1::SessionEvent::kSessionStarted:
    case v1::SessionEvent::kSessionEnded: {
      v1::SessionLifecycleNotice* notice = event.has_session_started()
                                               ? out.event.mutable_session_started()
                                               : out.event.mutable_session_ended();
      notice->set_session(event.session());
      notice->set_protocol_id(session.protocol_id());
      notice->set_session_sequence(event.sequence());
      out.recipients = absl::StrCat("team:", parts.team_id);
      break;
    }
    case v1::SessionEvent::kPhaseTimeWarning: {
      v1::PhaseTimeWarningNotice* notice = out.event.mutable_phase_time_warning();
      notice->set_session(event.session());
      notice->set_phase_id(event.phase_time_warning().phase_id());
      *notice->mutable_deadline() = event.phase_time_warning().deadline();
      *notice->mutable_remaining() = event.phase_time_warning().remaining();
      notice->set_session_sequence(event.sequence());
      out.recipients = facilitator;
      break;
    }
    case v1::SessionEvent::kPhaseOverrun: {
      v1::PhaseOverrunNotice* notice = out.event.mutable_phase_overrun();
      notice->set_session(event.session());
      notice->set_phase_id(event.phase_overrun().phase_id());
      *notice->mutable_deadline() = event.phase_overrun().deadline();
      notice->set_session_sequence(event.sequence());
      out.recipients = facilitator;
      break;
    }
    default:
      return {};
  }
  if (out.recipients.empty()) return {};
  return {std::move(out)};
}

OrgEventDeriver::OrgEventDeriver(redis::RedisClient& client, session::RedisEventLog& sessions,
                                 OrgEventLog& organizations, DeriverOptions options)
    : client_(client), sessions_(sessions), organizations_(organizations), options_(options) {
  ticker_ = std::thread([this] {
    do {
      Reconcile();
    } while (!stop_.WaitForNotificationWithTimeout(options_.reconcile_interval));
  });
}

OrgEventDeriver::~OrgEventDeriver() { StopTicker(); }

void OrgEventDeriver::StopTicker() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (ticker_.joinable()) ticker_.join();
}

void OrgEventDeriver::OnSessionWake(absl::string_view channel, absl::string_view message) {
  // Only an append that concerns the organisation says so in its wake-up; every other command
  // costs this service nothing (a wake-up missed is made up for by the reconciliation pass).
  if (!absl::EndsWith(message, session::kNotableWake)) return;
  std::string session = SessionOfKey(channel, ":wake");
  if (!session.empty()) Derive(session);
}

void OrgEventDeriver::Derive(const std::string& session_name) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    organizations_seen_.insert(PartsOf(session_name).organization);
    auto [it, inserted] = running_.try_emplace(session_name, false);
    if (!inserted) {
      it->second = true;  // the running pass reads again when it is done
      return;
    }
  }
  Step(session_name);
}

std::vector<std::string> OrgEventDeriver::Organizations() {
  absl::MutexLock lock(&mu_);
  return std::vector<std::string>(organizations_seen_.begin(), organizations_seen_.end());
}

void OrgEventDeriver::Done(const std::string& session_name) {
  {
    absl::MutexLock lock(&mu_);
    auto it = running_.find(session_name);
    if (stopping_ || !it->second) {
      running_.erase(it);
      return;
    }
    it->second = false;
  }
  Step(session_name);
}

void OrgEventDeriver::Step(const std::string& name) {
  const std::string organization = PartsOf(name).organization;
  organizations_.Cursor(organization, name,
                        [this, name, organization](absl::StatusOr<int64_t> cursor) {
                          if (!cursor.ok()) return Done(name);  // Redis is away: reconciled later
                          Read(name, organization, *cursor);
                        });
}

void OrgEventDeriver::Read(const std::string& name, const std::string& organization,
                           int64_t cursor) {
  int64_t after = cursor;
  {
    absl::MutexLock lock(&mu_);
    auto it = quiet_.find(name);
    // Only valid for the durable cursor it was found after (another replica may have moved it).
    if (it != quiet_.end() && it->second.cursor == cursor)
      after = std::max(after, it->second.through);
  }
  sessions_.ReadAfter(
      name, after, options_.read_batch,
      [this, name, organization, cursor](absl::StatusOr<std::vector<session::StoredEvent>> stored) {
        if (!stored.ok() || stored->empty()) return Done(name);
        std::vector<v1::SessionEvent> events;
        bool notable = false;
        for (const session::StoredEvent& entry : *stored) {
          v1::SessionEvent& event = events.emplace_back();
          if (!event.ParseFromString(entry.data)) event.Clear();
          notable = notable || session::ConcernsOrganisation(event);
        }
        const bool full = static_cast<int>(stored->size()) == options_.read_batch;
        if (!notable) {  // most batches: remember it, write nothing
          {
            absl::MutexLock lock(&mu_);
            if (quiet_.size() >= kQuietSessions && !quiet_.contains(name)) quiet_.clear();
            quiet_[name] = Quiet{cursor, stored->back().sequence};
          }
          if (full) return Read(name, organization, cursor);
          return Done(name);
        }
        Batch batch{organization, name, cursor, stored->back().sequence, full, std::move(events)};
        sessions_.Load(name, [this, batch = std::move(batch)](
                                 absl::StatusOr<session::StoredSession> loaded) mutable {
          if (!loaded.ok()) return Done(batch.name);
          std::vector<absl::string_view> tail;
          for (const session::StoredEvent& event : loaded->tail) tail.push_back(event.data);
          absl::StatusOr<v1::SessionSnapshot> state =
              session::Restore(loaded->state, loaded->protocol, tail);
          if (!state.ok()) return Done(batch.name);
          Append(std::move(batch), *state);
        });
      });
}

void OrgEventDeriver::Append(Batch batch, const v1::SessionSnapshot& state) {
  std::vector<OrgEventToAppend> derived;
  for (const v1::SessionEvent& event : batch.events) {
    for (OrgEventToAppend& out : DeriveOrgEvents(state, event)) derived.push_back(std::move(out));
  }
  organizations_.Append(batch.organization, batch.name, batch.cursor, batch.last,
                        std::move(derived), absl::Now(),
                        [this, name = batch.name, full = batch.full](absl::StatusOr<int64_t> done) {
                          if (done.ok()) {
                            absl::MutexLock lock(&mu_);
                            quiet_.erase(name);  // the durable cursor is past it now
                          }
                          // Moved on (here or by another replica): read on from the new cursor.
                          if (done.ok() ? full : absl::IsAborted(done.status())) return Step(name);
                          Done(name);
                        });
}

void OrgEventDeriver::Reconcile() {
  {
    absl::MutexLock lock(&mu_);
    if (scanning_ || stopping_) return;
    scanning_ = true;
  }
  ScanFrom("0");
}

void OrgEventDeriver::ScanFrom(const std::string& cursor) {
  client_.Command({"SCAN", cursor, "MATCH", "cw:*:snap", "COUNT", "500"},
                  [this](absl::StatusOr<redis::RedisValue> reply) {
                    if (!reply.ok() || reply->type != redis::RedisValue::Type::kArray ||
                        reply->elements.size() != 2) {
                      absl::MutexLock lock(&mu_);
                      scanning_ = false;
                      return;
                    }
                    for (const redis::RedisValue& key : reply->elements[1].elements) {
                      std::string session = SessionOfKey(key.str, ":snap");
                      if (!session.empty()) Derive(session);
                    }
                    const std::string next = reply->elements[0].str;
                    if (next == "0") {
                      absl::MutexLock lock(&mu_);
                      scanning_ = false;
                      return;
                    }
                    ScanFrom(next);
                  });
}

}  // namespace casework::notification
