// What follows a settled command beside its append: the session metrics it counts. (Everything
// the acknowledgement implies — the team's index, the running set, the record outbox, the phase
// timer — is written by the append itself.) Also samples the two Redis-held gauges (running
// sessions, outbox backlog) on its own thread.
#ifndef SERVICES_SESSION_SESSION_UPKEEP_H_
#define SERVICES_SESSION_SESSION_UPKEEP_H_

#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/session_log/phase_timers.h"
#include "libs/session_log/session_index.h"
#include "services/session/command_runner.h"
#include "services/session/session_metrics.h"

namespace casework::session {

class SessionUpkeep final : public CommandObserver {
 public:
  SessionUpkeep(SessionIndex& index, PhaseTimers& outbox_queue, SessionMetrics& metrics,
                absl::Duration sample_interval = absl::Seconds(5));
  ~SessionUpkeep() override;  // StopSampling()
  // Stops and joins the sampler (before the Redis client goes away); idempotent.
  void StopSampling();

  void Settled(const std::string& session_name, const casework::v1::SessionSnapshot& state,
               const std::vector<casework::v1::SessionEvent>& events) override;
  void Refused(const absl::Status& refusal) override;

 private:
  void Sample();

  SessionIndex& index_;
  PhaseTimers& outbox_queue_;
  SessionMetrics& metrics_;
  const absl::Duration sample_interval_;
  absl::Notification stop_;
  std::thread sampler_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_SESSION_UPKEEP_H_
