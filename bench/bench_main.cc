// casework-bench: runs one scenario and prints one JSON object on stdout (script/bench collects
// them). Scenarios: echo, create_case, add_contribution (unary, closed or open loop), tcp
// (raw ping-pong), watch (WatchSession fan-out; --hub for the bare hub), redis_fanout,
// session_growth (one session of --contributions notes, one at a time; --port is Redis's).
#include <unistd.h>

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/scenario_runner.h"

ABSL_FLAG(std::string, scenario, "echo",
          "echo | create_case | add_contribution | tcp | watch | redis_fanout | session_growth");
ABSL_FLAG(std::string, target, "127.0.0.1:50099", "server of a unary scenario (host:port)");
ABSL_FLAG(std::string, records_target, "127.0.0.1:50052", "records service (team set-up)");
ABSL_FLAG(std::string, session_target, "127.0.0.1:50051", "session service (watch set-up)");
ABSL_FLAG(std::string, watch_target, "127.0.0.1:50053", "WatchSession server (watch)");
ABSL_FLAG(bool, hub, false, "watch: the targets are the bare fan-out hub (no set-up)");
ABSL_FLAG(bool, watch_balint, false,
          "watch: a Balint consultation whose --watchers (3–10) members watch, instead of a "
          "case-management meeting (which needs the records-backed team facts)");
ABSL_FLAG(std::string, watch_session, "",
          "watch: reuse this session of an earlier run with the same --watchers and --run_id");
ABSL_FLAG(int, port, 0, "tcp / redis_fanout / session_growth: the server's (Redis's) port");
ABSL_FLAG(int, contributions, 10000, "session_growth: notes added to the one session");
ABSL_FLAG(int, in_flight, 1, "calls outstanding (closed loop) or slots (open loop)");
ABSL_FLAG(int, channels, 1, "gRPC channels (connections) the calls are spread over");
ABSL_FLAG(double, rate, 0, "calls per second: > 0 runs the open loop");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "unmeasured time before the window");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "measured window");
ABSL_FLAG(int, payload, 100, "echo / tcp / redis_fanout payload bytes");
ABSL_FLAG(int, watchers, 100, "watch / redis_fanout: receivers");
ABSL_FLAG(int, stalled_watchers, 0,
          "watch: clients that open a stream before the paced stage and never read it");
ABSL_FLAG(double, paced_rate, 10, "watch / redis_fanout: paced events per second");
ABSL_FLAG(absl::Duration, paced_duration, absl::Seconds(5), "watch / redis_fanout: paced stage");
ABSL_FLAG(int, window, 32, "watch / redis_fanout: events the publisher may run ahead");
ABSL_FLAG(int, contributions_per_session, 100, "add_contribution: before a slot moves on");
ABSL_FLAG(double, expected_qps, 1000,
          "add_contribution: sizes the session pool (beyond it, slots reuse their sessions)");
ABSL_FLAG(std::string, key_file, ".dev/jwt-hs256.key", "HS256 key the services verify with");
ABSL_FLAG(std::string, run_id, "", "makes created ids unique (default: time and pid)");
ABSL_FLAG(std::string, servers, "",
          "name:pid,... of server processes whose CPU and memory over the window are reported");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  casework::bench::ScenarioOptions options;
  options.scenario = absl::GetFlag(FLAGS_scenario);
  options.target = absl::GetFlag(FLAGS_target);
  options.records_target = absl::GetFlag(FLAGS_records_target);
  options.session_target = absl::GetFlag(FLAGS_session_target);
  options.watch_target = absl::GetFlag(FLAGS_watch_target);
  options.hub = absl::GetFlag(FLAGS_hub);
  options.watch_session = absl::GetFlag(FLAGS_watch_session);
  options.watch_balint = absl::GetFlag(FLAGS_watch_balint);
  options.port = absl::GetFlag(FLAGS_port);
  options.contributions = absl::GetFlag(FLAGS_contributions);
  options.load.in_flight = absl::GetFlag(FLAGS_in_flight);
  options.load.rate = absl::GetFlag(FLAGS_rate);
  options.load.warmup = absl::GetFlag(FLAGS_warmup);
  options.load.duration = absl::GetFlag(FLAGS_duration);
  options.channels = absl::GetFlag(FLAGS_channels);
  options.payload = absl::GetFlag(FLAGS_payload);
  options.watchers = absl::GetFlag(FLAGS_watchers);
  options.stalled_watchers = absl::GetFlag(FLAGS_stalled_watchers);
  options.fanout.throughput_duration = absl::GetFlag(FLAGS_duration);
  options.fanout.paced_rate = absl::GetFlag(FLAGS_paced_rate);
  options.fanout.paced_duration = absl::GetFlag(FLAGS_paced_duration);
  options.fanout.window = absl::GetFlag(FLAGS_window);
  options.plan.contributions_per_session = absl::GetFlag(FLAGS_contributions_per_session);
  options.plan.expected_qps = absl::GetFlag(FLAGS_expected_qps);
  options.plan.seconds = absl::ToDoubleSeconds(options.load.warmup + options.load.duration);
  options.key_file = absl::GetFlag(FLAGS_key_file);
  options.run_id = absl::GetFlag(FLAGS_run_id);
  options.servers = absl::GetFlag(FLAGS_servers);
  if (options.run_id.empty()) {
    options.run_id = absl::StrCat(absl::ToUnixMillis(absl::Now()), "-", getpid());
  }
  std::string json;
  absl::Status status = casework::bench::RunScenario(options, &json);
  std::cout << json << std::endl;
  if (!status.ok()) {
    std::cerr << "casework-bench: " << status << "\n";
    return 1;
  }
  return 0;
}
