// Runs one named scenario from a plain options struct (the flags live only in bench_main.cc) and
// renders its result as one JSON object; the smoke test calls it in-process.
#ifndef BENCH_SCENARIO_RUNNER_H_
#define BENCH_SCENARIO_RUNNER_H_

#include <string>

#include "absl/status/status.h"
#include "bench/fanout_measure.h"
#include "bench/load_generator.h"
#include "bench/unary_scenarios.h"

namespace casework::bench {

struct ScenarioOptions {
  std::string scenario;
  std::string target;
  std::string records_target;
  std::string session_target;
  std::string watch_target;
  bool hub = false;
  std::string watch_session;  // reuse (skip set-up); its fixture's run_id must match
  bool watch_balint = false;  // watch a Balint consultation of `watchers` (≤ 10) members instead
  int port = 0;
  int channels = 1;
  int payload = 100;
  int watchers = 100;
  int contributions = 10000;  // session_growth: notes added to the one session
  int stalled_watchers = 0;   // watch: see WatchScenario
  LoadOptions load;
  FanoutOptions fanout;
  ContributionPlan plan;
  std::string key_file;
  std::string run_id;
  std::string servers;  // "name:pid,..." whose CPU and memory the report includes
};

// `json` receives the report, also when the scenario fails (then with an "error" field).
absl::Status RunScenario(const ScenarioOptions& options, std::string* json);

}  // namespace casework::bench

#endif  // BENCH_SCENARIO_RUNNER_H_
