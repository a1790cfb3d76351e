// The session service's clock: every `interval` it claims the sessions whose phase warning or
// overrun is due (PhaseTimers leases each claim so replicas share the work) and ticks each through
// the engine as the reserved "system" caller. Exactly-once PhaseTimeWarning / PhaseOverrun
// events follow from the session's state and the version-checked append, whatever replica ticks,
// and however often.
#ifndef SERVICES_SESSION_TIMER_LOOP_H_
#define SERVICES_SESSION_TIMER_LOOP_H_

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/session/command_runner.h"
#include "services/session/store/phase_timers.h"

namespace casework::session {

struct TimerLoopOptions {
  absl::Duration interval = absl::Milliseconds(200);
  absl::Duration lease = absl::Seconds(5);
  int batch = 100;
};

class TimerLoop {
 public:
  TimerLoop(PhaseTimers& timers, CommandRunner& runner, std::function<absl::Time()> clock,
            TimerLoopOptions options = {});
  ~TimerLoop();  // stops and joins the loop thread

  TimerLoop(const TimerLoop&) = delete;
  TimerLoop& operator=(const TimerLoop&) = delete;

 private:
  void Run();
  void Tick(const std::string& session_name);

  PhaseTimers& timers_;
  CommandRunner& runner_;
  std::function<absl::Time()> clock_;
  const TimerLoopOptions options_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_TIMER_LOOP_H_
