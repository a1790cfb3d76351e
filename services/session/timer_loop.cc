// TimerLoop: claim due timers, tick their sessions.
#include "services/session/timer_loop.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "libs/server/json_log.h"
#include "libs/session_engine/session_queries.h"

namespace casework::session {

TimerLoop::TimerLoop(PhaseTimers& timers, std::function<void(const std::string&)> on_due,
                     std::function<absl::Time()> clock, TimerLoopOptions options)
    : timers_(timers), on_due_(std::move(on_due)), clock_(std::move(clock)), options_(options) {
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
                         for (const std::string& session : *due) on_due_(session);
                       }
                       claimed.Notify();
                     });
    // One claim at a time: the next round starts after this one was answered.
    claimed.WaitForNotification();
  }
}

void TickSession(CommandRunner& runner, PhaseTimers& timers, const std::string& session_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(session_name, '/');
  if (parts.size() != 6) {
    timers.Cancel(session_name, [](absl::Status) {});  // not ours to tick
    return;
  }
  casework::v1::SessionCommand command;
  command.mutable_tick();
  casework::v1::Principal system;
  system.set_subject(std::string(kSystemSubject));
  system.set_organization(std::string(parts[1]));
  runner.Run(session_name, std::move(command), std::move(system),
             [&runner, &timers, session_name](absl::StatusOr<CommandOutcome> outcome) {
               if (outcome.status().code() == absl::StatusCode::kFailedPrecondition ||
                   outcome.status().code() == absl::StatusCode::kNotFound) {
                 timers.Cancel(session_name, [](absl::Status) {});  // nothing runs any more
                 return;
               }
               if (!outcome.ok()) {
                 Log(LogSeverity::kWarning, "phase timer tick failed",
                     {{"code", std::string(absl::StatusCodeToString(outcome.status().code()))}});
                 return;  // the lease runs out and another round retries
               }
               // A tick that appended moved the timer already; one that had nothing due yet
               // (claimed early, or the deadline moved) puts it back at the next due time.
               if (outcome->first_sequence == 0) runner.RefreshTimer(session_name, *outcome->state);
             });
}

}  // namespace casework::session
