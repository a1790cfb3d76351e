// SessionUpkeep: the metrics of settled commands, and the gauge sampler.
#include "services/session/session_upkeep.h"

namespace casework::session {

SessionUpkeep::SessionUpkeep(SessionIndex& index, PhaseTimers& outbox_queue,
                             SessionMetrics& metrics, absl::Duration sample_interval)
    : index_(index),
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

void SessionUpkeep::Settled(const std::string&, const casework::v1::SessionSnapshot& state,
                            const std::vector<casework::v1::SessionEvent>& events) {
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
