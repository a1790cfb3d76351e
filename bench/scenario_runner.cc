// Scenario dispatch: set-up, the measurement, and the JSON report.
#include "bench/scenario_runner.h"

#include <unistd.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "bench/casework_fixture.h"
#include "bench/growth_scenario.h"
#include "bench/proc_probe.h"
#include "bench/raw_baselines.h"
#include "bench/watch_scenario.h"

namespace casework::bench {
namespace {

double SecondsSince(int64_t start_ns) {
  return static_cast<double>(SteadyNowNs() - start_ns) / 1e9;
}

// The servers named on the command line, and this client (it shares the machine's two cores).
std::vector<std::pair<std::string, pid_t>> ProbedProcesses(const std::string& servers) {
  std::vector<std::pair<std::string, pid_t>> processes = ParseServers(servers);
  processes.emplace_back("client", getpid());
  return processes;
}

std::string Header(const ScenarioOptions& o) {
  return absl::StrCat("\"scenario\":", JsonString(o.scenario), ",\"client_pid\":", getpid(),
                      ",\"in_flight\":", o.load.in_flight, ",\"channels\":", o.channels,
                      ",\"rate\":", o.load.rate, ",\"watchers\":", o.watchers,
                      ",\"hub\":", o.hub ? "true" : "false");
}

std::string Failure(const ScenarioOptions& o, const absl::Status& status) {
  return absl::StrCat("{", Header(o), ",\"error\":", JsonString(status.ToString()), "}");
}

absl::Status RunUnary(const ScenarioOptions& o, std::string* json) {
  UnaryTarget target{o.target, o.channels, o.load.in_flight, o.payload};
  const int64_t setup_start = SteadyNowNs();
  absl::StatusOr<PreparedLoad> load;
  if (o.scenario == "echo") {
    // The echo server ignores the header, but carries the same bytes as the real calls.
    absl::StatusOr<TokenMinter> minter = TokenMinter::Load(o.key_file);
    load = BuildEcho(
        target, minter.ok() ? minter->Mint("m-0", "bench", {"member"}, {"team-1"}) : std::string());
  } else {
    absl::StatusOr<TokenMinter> minter = TokenMinter::Load(o.key_file);
    if (!minter.ok()) return minter.status();
    CaseworkFixture fixture(*minter, o.run_id);
    auto records = casework::v1::RecordsService::NewStub(MakeChannels(o.records_target, 1)[0]);
    if (absl::Status team = fixture.CreateTeam(*records, 2, CaseworkFixture::kBalintMembers);
        !team.ok()) {
      return team;
    }
    load = o.scenario == "create_case" ? BuildCreateCase(target, fixture, o.run_id)
                                       : BuildAddContribution(target, fixture, o.plan, o.run_id);
  }
  if (!load.ok()) return load.status();
  const double setup_seconds = SecondsSince(setup_start);
  ServerProbe probe(ProbedProcesses(o.servers));
  LoadOptions options = o.load;
  options.window_probe = [&probe](bool opening) { probe.Window(opening); };
  LoadResult result = RunLoad(options, load->start);
  *json = absl::StrCat(
      "{", Header(o), ",\"setup_seconds\":", setup_seconds, ",\"notes\":", JsonString(load->notes),
      ",\"first_error\":", JsonString(load->first_error->Get()), ",\"result\":", ToJson(result),
      ",\"servers\":", probe.ToJson(result.ok), "}");
  return absl::OkStatus();
}

absl::Status RunWatch(const ScenarioOptions& o, std::string* json) {
  WatchScenario scenario;
  scenario.watch_address = o.watch_target;
  scenario.command_address = o.hub ? o.watch_target : o.session_target;
  scenario.channels = o.channels;
  scenario.stalled_watchers = o.stalled_watchers;
  const int64_t setup_start = SteadyNowNs();
  if (o.hub) {
    scenario.session = "organizations/bench/teams/team-1/sessions/hub";
    for (int i = 0; i < o.watchers; ++i) scenario.watcher_tokens.push_back("");
  } else {
    absl::StatusOr<TokenMinter> minter = TokenMinter::Load(o.key_file);
    if (!minter.ok()) return minter.status();
    CaseworkFixture fixture(*minter, o.run_id);
    const bool balint = o.watch_balint;
    if (o.watch_session.empty()) {
      auto records = casework::v1::RecordsService::NewStub(MakeChannels(o.records_target, 1)[0]);
      absl::Status team = balint ? fixture.CreateTeam(*records, 0, o.watchers)
                                 : fixture.CreateTeam(*records, o.watchers, 0);
      if (!team.ok()) return team;
      auto sessions = casework::v1::SessionService::NewStub(MakeChannels(o.session_target, 1)[0]);
      const std::string id = absl::StrCat("w-", fixture.run_id());
      absl::StatusOr<std::string> name =
          balint ? fixture.BalintInQuestions(*sessions, id, o.watchers)
                 : fixture.MeetingWithParticipants(*sessions, id, o.watchers);
      if (!name.ok()) return name.status();
      scenario.session = *name;
    } else {
      scenario.session = o.watch_session;
    }
    scenario.facilitator_token =
        balint ? fixture.Token("fac", "facilitator") : fixture.Token("sup", "supervisor");
    for (int i = 0; i < o.watchers; ++i) {
      scenario.watcher_tokens.push_back(balint
                                            ? fixture.Token(absl::StrCat("m-", i), "member")
                                            : fixture.Token(absl::StrCat("cw-", i), "caseworker"));
    }
  }
  const double setup_seconds = SecondsSince(setup_start);
  ServerProbe probe(ProbedProcesses(o.servers));
  FanoutOptions options = o.fanout;
  options.window_probe = [&probe](bool opening) { probe.Window(opening); };
  absl::StatusOr<FanoutResult> result = RunWatchScenario(scenario, options);
  if (!result.ok()) return result.status();
  *json =
      absl::StrCat("{", Header(o), ",\"setup_seconds\":", setup_seconds,
                   ",\"session\":", JsonString(scenario.session), ",\"result\":", ToJson(*result),
                   ",\"servers\":", probe.ToJson(result->delivered), "}");
  return result->error.empty() ? absl::OkStatus() : absl::InternalError(result->error);
}

absl::Status RunGrowth(const ScenarioOptions& o, std::string* json) {
  absl::StatusOr<TokenMinter> minter = TokenMinter::Load(o.key_file);
  if (!minter.ok()) return minter.status();
  CaseworkFixture fixture(*minter, o.run_id);
  auto records = casework::v1::RecordsService::NewStub(MakeChannels(o.records_target, 1)[0]);
  if (absl::Status team = fixture.CreateTeam(*records, 2, 0); !team.ok()) return team;
  GrowthScenario scenario;
  scenario.session_address = o.session_target;
  scenario.contributions = o.contributions;
  scenario.redis_port = o.port;
  ServerProbe probe(ProbedProcesses(o.servers));
  probe.Window(true);
  absl::StatusOr<std::string> result = RunSessionGrowth(scenario, fixture);
  probe.Window(false);
  if (!result.ok()) return result.status();
  *json = absl::StrCat("{", Header(o), ",\"result\":", *result,
                       ",\"servers\":", probe.ToJson(o.contributions), "}");
  return absl::OkStatus();
}

}  // namespace

absl::Status RunScenario(const ScenarioOptions& o, std::string* json) {
  absl::Status status;
  if (o.scenario == "echo" || o.scenario == "create_case" || o.scenario == "add_contribution") {
    status = RunUnary(o, json);
  } else if (o.scenario == "tcp") {
    ServerProbe probe(ProbedProcesses(o.servers));
    LoadOptions options = o.load;
    options.window_probe = [&probe](bool opening) { probe.Window(opening); };
    absl::StatusOr<LoadResult> result = RunTcpPingPong(o.port, o.payload, options);
    status = result.status();
    if (result.ok()) {
      *json = absl::StrCat("{", Header(o), ",\"result\":", ToJson(*result),
                           ",\"servers\":", probe.ToJson(result->ok), "}");
    }
  } else if (o.scenario == "watch") {
    status = RunWatch(o, json);
  } else if (o.scenario == "session_growth") {
    status = RunGrowth(o, json);
  } else if (o.scenario == "redis_fanout") {
    RedisFanoutScenario scenario;
    scenario.port = o.port;
    scenario.subscribers = o.watchers;
    scenario.payload = o.payload;
    ServerProbe probe(ProbedProcesses(o.servers));
    FanoutOptions options = o.fanout;
    options.window_probe = [&probe](bool opening) { probe.Window(opening); };
    absl::StatusOr<FanoutResult> result = RunRedisFanout(scenario, options);
    status = result.status();
    if (result.ok()) {
      *json = absl::StrCat("{", Header(o), ",\"result\":", ToJson(*result),
                           ",\"servers\":", probe.ToJson(result->delivered), "}");
      if (!result->error.empty()) status = absl::InternalError(result->error);
    }
  } else {
    status = absl::InvalidArgumentError(absl::StrCat("unknown scenario ", o.scenario));
  }
  if (!status.ok() && json->empty()) *json = Failure(o, status);
  return status;
}

}  // namespace casework::bench
