// SessionUpkeep: follow-up writes after a command, and the gauge sampler.
#include "services/session/session_upkeep.h"

#include "libs/server/json_log.h"
#include "services/session/engine/time_util.h"

namespace casework::session {
namespace {

void LogFailure(absl::string_view what, const std::string& session, const absl::Status& status) {
  if (status.ok()) return;
  Log(LogSeverity::kWarning, what,
      {{"session", session}, {"error", std::string(status.message())}});
}

}  // namespace

SessionUpkeep::SessionUpkeep(SessionIndex& index, RecordOutbox& outbox, PhaseTimers& outbox_queue,
                             SessionMetrics& metrics, absl::Duration sample_interval)
    : index_(index),
      outbox_(outbox),
      outbox_queue_(outbox_queue),
      metrics_(metrics),
      sample_interval_(sample_interval) {
  sampler_ = std::thread([this] {
    do {
      Sample();
    } while (!stop_.WaitForNotificationWithTimeout(sample_interval_));
  });
}

SessionUpkeep::~SessionUpkeep() { StopSampling(); }

void SessionUpkeep::StopSampling() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (sampler_.joinable()) sampler_.join();
}

void SessionUpkeep::Settled(const std::string& session_name,
                            const casework::v1::SessionSnapshot& state,
                            const std::vector<casework::v1::SessionEvent>& events) {
  const casework::v1::Session& session = state.session();
  const bool created = events.empty() || events.front().has_session_created();
  if (created) {
    index_.AddToTeam(session_name, ToTime(session.scheduled_start_time()),
                     [session_name](absl::Status status) {
                       LogFailure("session index: could not list a session", session_name, status);
                     });
  }
  const bool running = session.state() == casework::v1::SESSION_STATE_IN_PROGRESS ||
                       session.state() == casework::v1::SESSION_STATE_PAUSED;
  index_.SetActive(session_name, session.protocol_id(), running,
                   [session_name](absl::Status status) {
                     LogFailure("session index: could not mark a session", session_name, status);
                   });
  if (RecordOutbox::Owed(state)) outbox_.Enqueue(session_name);
  metrics_.CountAppended(state, events);
}

void SessionUpkeep::Refused(const absl::Status& refusal) { metrics_.CountRefusal(refusal); }

void SessionUpkeep::Sample() {
  index_.CountActive([this](absl::StatusOr<std::map<std::string, int64_t>> counts) {
    if (counts.ok()) metrics_.SetActive(*counts);
  });
  outbox_queue_.Count([this](absl::StatusOr<int64_t> backlog) {
    if (backlog.ok()) metrics_.SetOutboxBacklog(*backlog);
  });
}

}  // namespace casework::session
