// WatchSession fan-out, the same client code against the bare hub and the real services: K
// watchers (callback-API read reactors spread over a few channels) on one session, and the
// facilitator alternating PauseSession/ResumeSession as the published events — state changes
// every participant's screen must show, which (unlike contributions) do not grow the session, so
// a long run measures the same work throughout.
#ifndef BENCH_WATCH_SCENARIO_H_
#define BENCH_WATCH_SCENARIO_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/fanout_measure.h"

namespace casework::bench {

struct WatchScenario {
  std::string watch_address;    // NotificationService (or the hub)
  std::string command_address;  // SessionService (or the hub)
  int channels = 4;
  std::string session;                      // the session's name
  std::string facilitator_token;            // sends Pause/Resume
  std::vector<std::string> watcher_tokens;  // one watcher each
  // Clients that open a live stream before the paced stage and never read it (a frozen screen),
  // each on its own connection with a 1 KiB receive window, so the server's write to it stays
  // pending and its frames queue up while the others are measured.
  int stalled_watchers = 0;
};

absl::StatusOr<FanoutResult> RunWatchScenario(const WatchScenario& scenario,
                                              const FanoutOptions& options);

}  // namespace casework::bench

#endif  // BENCH_WATCH_SCENARIO_H_
