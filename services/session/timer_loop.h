// The session service's clock: every `interval` it claims the sessions that are due in a shared
// sorted set (PhaseTimers leases each claim so replicas share the work) and hands each to `on_due`.
// Two loops run: phase deadlines (TickSession: the engine appends PhaseTimeWarning / PhaseOverrun
// exactly once, whatever replica ticks, however often, because the engine's state and the
// version-checked append decide) and the record outbox.
#ifndef SERVICES_SESSION_TIMER_LOOP_H_
#define SERVICES_SESSION_TIMER_LOOP_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/session_log/phase_timers.h"
#include "services/session/command_runner.h"

namespace casework::session {

struct TimerLoopOptions {
  absl::Duration interval = absl::Milliseconds(200);
  absl::Duration lease = absl::Seconds(5);
  int batch = 100;
};

class TimerLoop {
 public:
  TimerLoop(PhaseTimers& timers, std::function<void(const std::string&)> on_due,
            std::function<absl::Time()> clock, TimerLoopOptions options = {});
  ~TimerLoop();  // stops and joins the loop thread

  TimerLoop(const TimerLoop&) = delete;
  TimerLoop& operator=(const TimerLoop&) = delete;

 private:
  void Run();

  PhaseTimers& timers_;
  std::function<void(const std::string&)> on_due_;
  std::function<absl::Time()> clock_;
  const TimerLoopOptions options_;
  absl::Notification stop_;
  std::thread thread_;
};

// Ticks the session through the engine as the reserved "system" caller, then moves its timer to
// the next due time (or removes it).
void TickSession(CommandRunner& runner, PhaseTimers& timers, const std::string& session_name);

}  // namespace casework::session

#endif  // SERVICES_SESSION_TIMER_LOOP_H_
