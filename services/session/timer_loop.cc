// TimerLoop: claim due timers, tick their sessions.
#include "services/session/timer_loop.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "libs/server/json_log.h"
#include "services/session/engine/session_queries.h"

namespace casework::session {

TimerLoop::TimerLoop(PhaseTimers& timers, CommandRunner& runner, std::function<absl::Time()> clock,
                     TimerLoopOptions options)
    : timers_(timers), runner_(runner), clock_(std::move(clock)), options_(options) {
  thread_ = std::thread([this] { Run(); });
}

TimerLoop::~TimerLoop() {
  stop_.Notify();
  thread_.join();
}

void TimerLoop::Run() {
  while (!stop_.WaitForNotificationWithTimeout(options_.interval)) {
    absl::Notification claimed;
    timers_.ClaimDue(clock_(), options_.lease, options_.batch,
                     [this, &claimed](absl::StatusOr<std::vector<std::string>> due) {
                       if (due.ok()) {
                         for (const std::string& session : *due) Tick(session);
                       }
                       claimed.Notify();
                     });
    // One claim at a time: the next round starts after this one was answered.
    claimed.WaitForNotification();
  }
}

void TimerLoop::Tick(const std::string& session_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(session_name, '/');
  if (parts.size() != 6) {
    timers_.Cancel(session_name, [](absl::Status) {});  // not ours to tick
    return;
  }
  casework::v1::SessionCommand command;
  command.mutable_tick();
  casework::v1::Principal system;
  system.set_subject(std::string(kSystemSubject));
  system.set_organization(std::string(parts[1]));
  runner_.Run(session_name, std::move(command), std::move(system),
              [&runner = runner_, session_name](absl::StatusOr<CommandOutcome> outcome) {
                if (!outcome.ok()) {
                  Log(LogSeverity::kWarning, "phase timer tick failed",
                      {{"code", std::string(absl::StatusCodeToString(outcome.status().code()))}});
                  return;  // the lease runs out and another round retries
                }
                // A tick that appended moved the timer already; one that had nothing due yet
                // (claimed early, or the deadline moved) puts it back at the next due time.
                if (outcome->first_sequence == 0) runner.RefreshTimer(session_name, outcome->state);
              });
}

}  // namespace casework::session
