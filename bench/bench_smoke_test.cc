// Smoke form of the benchmark (seconds, no gates), so the harness cannot rot: every baseline
// server and the records service, driven through RunScenario exactly as script/bench drives
// them, each for a fraction of a second on free loopback ports. It checks that each scenario
// completes calls without errors and that fan-out delivers every event in order; it asserts no
// speed.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/grpc_client.h"
#include "bench/scenario_runner.h"
#include "gtest/gtest.h"
#include "libs/redis/redis_client.h"
#include "libs/testing/process.h"
#include "libs/testing/redis_server.h"

namespace casework::bench {
namespace {

using casework::testing::BinaryDir;
using casework::testing::ChildProcess;
using casework::testing::FreeTcpPort;

class SmokeDir {
 public:
  SmokeDir()
      : path_(std::filesystem::temp_directory_path() /
              absl::StrCat("casework-bench-smoke-", getpid(), "-", rand())) {
    std::filesystem::create_directories(path_);
    std::ofstream(path_ / "key") << "bench-smoke-key-0123456789abcdefghijklmnopqrstuvwxyz";
  }
  ~SmokeDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

ScenarioOptions Quick(const std::string& scenario, const SmokeDir& dir) {
  ScenarioOptions options;
  options.scenario = scenario;
  options.load.warmup = absl::Milliseconds(100);
  options.load.duration = absl::Milliseconds(400);
  options.fanout.throughput_duration = absl::Milliseconds(400);
  options.fanout.paced_rate = 20;
  options.fanout.paced_duration = absl::Milliseconds(500);
  options.fanout.capacity = 1 << 18;
  options.key_file = dir.File("key");
  options.run_id = absl::StrCat("smoke-", getpid());
  return options;
}

std::unique_ptr<ChildProcess> StartBaseline(const std::string& mode, int port, const SmokeDir& dir,
                                            std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {absl::StrCat(BinaryDir(), "/casework-bench-server"),
                                   absl::StrCat("--mode=", mode), absl::StrCat("--port=", port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto process = ChildProcess::Start(argv, dir.File(mode + ".log"));
  EXPECT_TRUE(process.ok()) << process.status();
  return process.ok() ? *std::move(process) : nullptr;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Serving(int port) {
  return WaitConnected(MakeChannels(absl::StrCat("127.0.0.1:", port), 1)[0], absl::Seconds(20));
}

// The "result" object of a report must show calls that all succeeded.
void ExpectCleanUnary(const std::string& json) {
  EXPECT_EQ(json.find("\"error\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"errors\":0,"), std::string::npos) << json;
  EXPECT_EQ(json.find("\"ok\":0,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"stuck\":0,"), std::string::npos) << json;
}

void ExpectCleanFanout(const std::string& json) {
  EXPECT_NE(json.find("\"error\":\"\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"drained\":true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"paced_missed\":0,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"gaps\":0,\"duplicates\":0,\"out_of_range\":0,\"ended\":0"),
            std::string::npos)
      << json;
}

TEST(BenchSmoke, EchoClosedAndOpenLoop) {
  SmokeDir dir;
  const int port = FreeTcpPort();
  auto server = StartBaseline("echo", port, dir);
  ASSERT_TRUE(Serving(port));
  ScenarioOptions options = Quick("echo", dir);
  options.target = absl::StrCat("127.0.0.1:", port);
  options.load.in_flight = 4;
  options.channels = 2;
  std::string json;
  ASSERT_TRUE(RunScenario(options, &json).ok()) << json;
  ExpectCleanUnary(json);
  options.load.rate = 200;
  json.clear();
  ASSERT_TRUE(RunScenario(options, &json).ok()) << json;
  ExpectCleanUnary(json);
}

// The durable echo answers only once Redis has the payload: after a run, the stream holds one
// entry per successful call.
TEST(BenchSmoke, DurableEchoAppendsEveryCallToRedis) {
  SmokeDir dir;
  auto redis = casework::testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const int port = FreeTcpPort();
  auto server =
      StartBaseline("durable-echo", port, dir, {absl::StrCat("--redis_port=", (*redis)->port())});
  ASSERT_TRUE(Serving(port));
  ScenarioOptions options = Quick("echo", dir);
  options.target = absl::StrCat("127.0.0.1:", port);
  options.load.in_flight = 4;
  options.channels = 2;
  std::string json;
  ASSERT_TRUE(RunScenario(options, &json).ok()) << json;
  ExpectCleanUnary(json);
  const size_t at = json.find("\"total_ok\":");
  ASSERT_NE(at, std::string::npos) << json;
  const int64_t calls = std::strtoll(json.c_str() + at + 11, nullptr, 10);
  casework::redis::RedisOptions redis_options;
  redis_options.port = (*redis)->port();
  auto client = casework::redis::RedisClient::Start(redis_options);
  ASSERT_TRUE(client->WaitUntilHealthy(absl::Seconds(10)));
  auto length = client->CommandSync({"XLEN", "bench:durable-echo"});
  ASSERT_TRUE(length.ok()) << length.status();
  EXPECT_GE(length->integer, calls);
  EXPECT_GT(calls, 0);
}

TEST(BenchSmoke, RawTcpPingPong) {
  SmokeDir dir;
  const int port = FreeTcpPort();
  auto server = StartBaseline("tcp", port, dir);
  ScenarioOptions options = Quick("tcp", dir);
  options.port = port;
  options.load.in_flight = 2;
  std::string json;
  // The server may not listen yet: the first connect can fail, so try a few times.
  absl::Status status;
  for (int attempt = 0; attempt < 50; ++attempt) {
    json.clear();
    status = RunScenario(options, &json);
    if (status.ok()) break;
    server->WaitForExit(absl::Milliseconds(100));  // a bounded wait that also notices a crash
  }
  ASSERT_TRUE(status.ok()) << json;
  ExpectCleanUnary(json);
}

TEST(BenchSmoke, HubFanOutDeliversEverythingInOrder) {
  SmokeDir dir;
  const int port = FreeTcpPort();
  auto server = StartBaseline("hub", port, dir);
  ASSERT_TRUE(Serving(port));
  ScenarioOptions options = Quick("watch", dir);
  options.hub = true;
  options.watch_target = absl::StrCat("127.0.0.1:", port);
  options.watchers = 10;
  options.channels = 2;
  std::string json;
  ASSERT_TRUE(RunScenario(options, &json).ok()) << json;
  ExpectCleanFanout(json);
}

TEST(BenchSmoke, RedisFanOutDeliversEverythingInOrder) {
  SmokeDir dir;
  auto redis = casework::testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  ScenarioOptions options = Quick("redis_fanout", dir);
  options.port = (*redis)->port();
  options.watchers = 10;
  std::string json;
  ASSERT_TRUE(RunScenario(options, &json).ok()) << json;
  ExpectCleanFanout(json);
}

TEST(BenchSmoke, RecordsCreateCase) {
  SmokeDir dir;
  const int port = FreeTcpPort();
  auto process = ChildProcess::Start({absl::StrCat(BinaryDir(), "/casework-records"),
                                      absl::StrCat("--grpc_address=127.0.0.1:", port),
                                      absl::StrCat("--metrics_address=127.0.0.1:", FreeTcpPort()),
                                      absl::StrCat("--jwt_hs256_key_file=", dir.File("key")),
                                      absl::StrCat("--store=sqlite:", dir.File("records.db"))},
                                     dir.File("records.log"));
  ASSERT_TRUE(process.ok()) << process.status();
  ASSERT_TRUE(Serving(port));
  ScenarioOptions options = Quick("create_case", dir);
  options.target = absl::StrCat("127.0.0.1:", port);
  options.records_target = options.target;
  options.load.in_flight = 8;
  std::string json;
  ASSERT_TRUE(RunScenario(options, &json).ok()) << json;
  ExpectCleanUnary(json);
}

// The session path end to end: a private Redis, the three services, Balint consultations
// prepared through the API, AddContribution in closed loop and WatchSession with three watchers
// (and one client that stops reading before the paced stage).
TEST(BenchSmoke, SessionServiceContributionsAndWatchers) {
  SmokeDir dir;
  auto redis = casework::testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  const std::string redis_address = absl::StrCat("127.0.0.1:", (*redis)->port());
  const int records_port = FreeTcpPort(), session_port = FreeTcpPort(),
            notification_port = FreeTcpPort();
  auto start = [&](const std::string& name, int port, std::vector<std::string> own) {
    std::vector<std::string> argv = {absl::StrCat(BinaryDir(), "/casework-", name),
                                     absl::StrCat("--grpc_address=127.0.0.1:", port),
                                     absl::StrCat("--metrics_address=127.0.0.1:", FreeTcpPort()),
                                     absl::StrCat("--jwt_hs256_key_file=", dir.File("key"))};
    argv.insert(argv.end(), own.begin(), own.end());
    auto process = ChildProcess::Start(argv, dir.File(name + ".log"));
    EXPECT_TRUE(process.ok()) << process.status();
    return process.ok() ? *std::move(process) : nullptr;
  };
  auto records =
      start("records", records_port, {absl::StrCat("--store=sqlite:", dir.File("records.db"))});
  // Both check team membership with the records service.
  auto session = start("session", session_port,
                       {absl::StrCat("--redis_address=", redis_address),
                        absl::StrCat("--records_address=127.0.0.1:", records_port),
                        absl::StrCat("--protocols_dir=", CASEWORK_SOURCE_DIR, "/protocols")});
  auto notification = start("notification", notification_port,
                            {absl::StrCat("--redis_address=", redis_address),
                             absl::StrCat("--records_address=127.0.0.1:", records_port)});
  // A service that does not listen says why in its log (a port taken meanwhile, a failed start).
  for (const auto& [name, port] : {std::pair<std::string, int>{"records", records_port},
                                   {"session", session_port},
                                   {"notification", notification_port}}) {
    ASSERT_TRUE(Serving(port)) << name << " is not listening on " << port << "; its log:\n"
                               << ReadText(dir.File(name + ".log")).substr(0, 4000);
  }

  ScenarioOptions options = Quick("add_contribution", dir);
  options.target = absl::StrCat("127.0.0.1:", session_port);
  options.records_target = absl::StrCat("127.0.0.1:", records_port);
  options.load.in_flight = 2;
  options.plan.sessions = 2;
  std::string json;
  ASSERT_TRUE(RunScenario(options, &json).ok()) << json;
  ExpectCleanUnary(json);

  options = Quick("watch", dir);
  options.watch_balint = true;
  options.watchers = 3;
  options.stalled_watchers = 1;  // the N4 variant: a client that stops reading must not hurt
  options.session_target = absl::StrCat("127.0.0.1:", session_port);
  options.records_target = absl::StrCat("127.0.0.1:", records_port);
  options.watch_target = absl::StrCat("127.0.0.1:", notification_port);
  options.run_id = absl::StrCat("smoke-watch-", getpid());
  json.clear();
  ASSERT_TRUE(RunScenario(options, &json).ok()) << json;
  ExpectCleanFanout(json);

  // A session grown one contribution at a time, read whole, ended and recorded.
  options = Quick("session_growth", dir);
  options.contributions = 60;
  options.port = (*redis)->port();
  options.session_target = absl::StrCat("127.0.0.1:", session_port);
  options.records_target = absl::StrCat("127.0.0.1:", records_port);
  options.run_id = absl::StrCat("smoke-growth-", getpid());
  json.clear();
  ASSERT_TRUE(RunScenario(options, &json).ok()) << json;
  EXPECT_NE(json.find("\"contributions\":60,\"errors\":0,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"get_session_ok\":true"), std::string::npos) << json;
  EXPECT_NE(json.find("\"get_session_contributions\":60,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"record_stored\":true"), std::string::npos) << json;
}

}  // namespace
}  // namespace casework::bench
