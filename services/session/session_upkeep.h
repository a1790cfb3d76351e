// The work that follows a settled command, beside the engine's events: list a new session in its
// team, keep the set of running sessions, queue the record outbox when a session ends, count the
// session metrics. Also samples the two Redis-held gauges (running sessions, outbox backlog) on
// its own thread. Every step is idempotent, so replaying it after a retried command is harmless.
#ifndef SERVICES_SESSION_SESSION_UPKEEP_H_
#define SERVICES_SESSION_SESSION_UPKEEP_H_

#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/session/command_runner.h"
#include "services/session/record_outbox.h"
#include "services/session/session_metrics.h"
#include "services/session/store/phase_timers.h"
#include "services/session/store/session_index.h"

namespace casework::session {

class SessionUpkeep final : public CommandObserver {
 public:
  SessionUpkeep(SessionIndex& index, RecordOutbox& outbox, PhaseTimers& outbox_queue,
                SessionMetrics& metrics, absl::Duration sample_interval = absl::Seconds(5));
  ~SessionUpkeep() override;  // StopSampling()
  // Stops and joins the sampler (before the Redis client goes away); idempotent.
  void StopSampling();

  void Settled(const std::string& session_name, const casework::v1::SessionSnapshot& state,
               const std::vector<casework::v1::SessionEvent>& events) override;
  void Refused(const absl::Status& refusal) override;

 private:
  void Sample();

  SessionIndex& index_;
  RecordOutbox& outbox_;
  PhaseTimers& outbox_queue_;
  SessionMetrics& metrics_;
  const absl::Duration sample_interval_;
  absl::Notification stop_;
  std::thread sampler_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_SESSION_UPKEEP_H_
