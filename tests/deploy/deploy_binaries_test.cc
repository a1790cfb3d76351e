// What the deployment relies on from the built binaries:
//  - casework-health-probe (the images' HEALTHCHECK) exits 0 only when the server is SERVING;
//  - every metric deploy/monitoring/metrics.txt attributes to a service is on its /metrics with
//    the listed type and labels. Names marked `planned` are reported as SKIPPED, by name, until
//    the service exports them, so the gap stays visible.
// Services run as processes on free loopback ports, each in its own temporary working directory
// (where any relative default path, e.g. the records store, lands), and are stopped by PID.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/testing/process.h"
#include "libs/testing/test_tokens.h"

namespace casework::testing {
namespace {

// Whether build/bin/<binary> accepts --<flag> (per its --helpfull).
bool AcceptsFlag(const std::string& binary, const std::string& flag) {
  CommandResult help = RunCommand(absl::StrCat(BinaryDir(), "/", binary, " --helpfull"));
  return help.output.find(absl::StrCat("    --", flag, " ")) != std::string::npos;
}

class ServiceProcess {
 public:
  // Starts build/bin/casework-<name> with a test key; nullptr when it cannot be started. Its
  // working directory is a fresh temporary one holding a link to the repository's protocols/, so
  // relative defaults (the records store, the protocol directory) resolve as from the repository
  // root without writing there. A service that can use Redis is pointed at a port nothing
  // listens on: a test must never touch a developer's Redis.
  static std::unique_ptr<ServiceProcess> Start(const std::string& name,
                                               const std::vector<std::string>& extra_flags = {}) {
    auto service = std::unique_ptr<ServiceProcess>(new ServiceProcess);
    service->dir_ = std::filesystem::temp_directory_path() /
                    absl::StrCat("casework-deploy-test-", getpid(), "-", name, "-", rand());
    std::filesystem::create_directories(service->dir_);
    std::ofstream(service->dir_ / "key") << GetTestKeys().hs256.material;
    std::filesystem::create_directory_symlink(CASEWORK_SOURCE_DIR "/protocols",
                                              service->dir_ / "protocols");
    service->grpc_port_ = FreeTcpPort();
    service->metrics_port_ = FreeTcpPort();
    const std::string binary = absl::StrCat("casework-", name);
    std::string command = absl::StrCat(
        "cd '", service->dir_.string(), "' && exec '", BinaryDir(), "/", binary, "'",
        " --grpc_address=127.0.0.1:", service->grpc_port_,
        " --metrics_address=127.0.0.1:", service->metrics_port_, " --jwt_hs256_key_file=key",
        " --jwt_issuer=", kTestIssuer, " --jwt_audience=", kTestAudience);
    if (AcceptsFlag(binary, "redis_address")) {
      absl::StrAppend(&command, " --redis_address=127.0.0.1:", FreeTcpPort());
    }
    for (const std::string& flag : extra_flags) absl::StrAppend(&command, " ", flag);
    // `exec` keeps the shell's PID, so the service is still stopped by the PID we hold.
    auto process =
        ChildProcess::Start({"/bin/sh", "-c", command}, (service->dir_ / "log").string());
    if (!process.ok()) return nullptr;
    service->process_ = *std::move(process);
    return service;
  }

  ~ServiceProcess() {
    process_.reset();  // SIGKILL and reap if still running
    std::filesystem::remove_all(dir_);
  }

  // True once the gRPC server answers health checks, SERVING or not (a service whose Redis is
  // missing answers NOT_SERVING, and its metrics are all registered by then).
  bool WaitUntilAnswering(absl::Duration timeout) {
    const absl::Time give_up = absl::Now() + timeout;
    while (absl::Now() < give_up) {
      CommandResult probe = RunCommand(absl::StrCat(
          BinaryDir(), "/casework-health-probe --timeout=1s --address=127.0.0.1:", grpc_port_));
      if (probe.output.find("SERVING") != std::string::npos) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }

  // The /metrics text, or an empty string.
  std::string Metrics() {
    auto text = HttpGet(metrics_port_, "/metrics");
    return text.ok() ? *text : "";
  }

  ChildProcess& process() { return *process_; }
  int grpc_port() const { return grpc_port_; }
  std::string Log() const {
    std::ifstream in(dir_ / "log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  ServiceProcess() = default;
  std::filesystem::path dir_;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// Runs casework-health-probe with `args`; returns its exit code and output.
CommandResult Probe(const std::string& args) {
  return RunCommand(absl::StrCat(BinaryDir(), "/casework-health-probe ", args));
}

// Probes until the probe exits 0 or `timeout` passes.
bool ProbeUntilServing(int port, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    if (Probe(absl::StrCat("--address=127.0.0.1:", port, " --timeout=1s")).exit_code == 0) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

// The records service: it needs nothing outside its working directory to serve.
constexpr char kProbedService[] = "records";
constexpr char kProbedServiceName[] = "casework.v1.RecordsService";

TEST(HealthProbeTest, ExitsZeroOnlyWhenServing) {
  auto service = ServiceProcess::Start(kProbedService);
  ASSERT_NE(service, nullptr);
  ASSERT_TRUE(ProbeUntilServing(service->grpc_port(), absl::Seconds(20))) << service->Log();
  const std::string address = absl::StrCat("--address=127.0.0.1:", service->grpc_port());

  CommandResult server = Probe(address);
  EXPECT_EQ(server.exit_code, 0) << server.output;
  EXPECT_NE(server.output.find(" SERVING"), std::string::npos) << server.output;
  CommandResult named = Probe(absl::StrCat(address, " --service=", kProbedServiceName));
  EXPECT_EQ(named.exit_code, 0) << named.output;
  CommandResult unknown = Probe(absl::StrCat(address, " --service=no.such.Service"));
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
}

TEST(HealthProbeTest, FailsWithinItsDeadlineWhenNothingListens) {
  const absl::Time start = absl::Now();
  CommandResult result =
      Probe(absl::StrCat("--address=127.0.0.1:", FreeTcpPort(), " --timeout=1s"));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(HealthProbeTest, RejectsBadUsage) {
  EXPECT_EQ(Probe("--timeout=0s").exit_code, 2);
  EXPECT_EQ(Probe("unexpected-positional").exit_code, 2);
}

// While a service drains (SIGTERM, --drain_delay), health is NOT_SERVING and the probe fails:
// the container is reported unhealthy and load balancers stop sending calls.
TEST(HealthProbeTest, FailsWhileTheServiceDrains) {
  auto service = ServiceProcess::Start(kProbedService, {"--drain_delay=3s"});
  ASSERT_NE(service, nullptr);
  ASSERT_TRUE(ProbeUntilServing(service->grpc_port(), absl::Seconds(20))) << service->Log();
  service->process().Signal(SIGTERM);
  const std::string address = absl::StrCat("--address=127.0.0.1:", service->grpc_port());
  CommandResult draining;
  const absl::Time give_up = absl::Now() + absl::Seconds(2);
  do {
    draining = Probe(absl::StrCat(address, " --timeout=1s"));
  } while (draining.exit_code == 0 && absl::Now() < give_up);
  EXPECT_EQ(draining.exit_code, 1) << draining.output;
  EXPECT_NE(draining.output.find("NOT_SERVING"), std::string::npos) << draining.output;
  EXPECT_TRUE(service->process().WaitForExit(absl::Seconds(20)).has_value()) << service->Log();
}

// One row of deploy/monitoring/metrics.txt.
struct ListedMetric {
  std::string name;
  std::string type;
  std::set<std::string> exported_by;
  std::set<std::string> labels;
  std::string status;
};

std::vector<ListedMetric> ReadMetricsList() {
  std::ifstream in(CASEWORK_METRICS_LIST);
  std::vector<ListedMetric> metrics;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> columns = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (columns.size() != 5) continue;  // check_monitoring.mjs reports malformed rows
    ListedMetric metric{columns[0], columns[1], {}, {}, columns[4]};
    for (absl::string_view by : absl::StrSplit(columns[2], ',')) metric.exported_by.emplace(by);
    if (columns[3] != "-") {
      for (absl::string_view label : absl::StrSplit(columns[3], ',')) metric.labels.emplace(label);
    }
    metrics.push_back(std::move(metric));
  }
  return metrics;
}

// A metric family on /metrics: its type and the label names of its samples (le and quantile
// excluded).
struct ExportedFamily {
  std::string type;
  std::set<std::string> labels;
};

std::map<std::string, ExportedFamily> ParseExposition(const std::string& text) {
  std::map<std::string, ExportedFamily> families;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (words.size() == 4) families[words[2]].type = words[3];
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const size_t brace = line.find('{');
    std::string name = line.substr(0, std::min(brace, line.find(' ')));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string base = name.substr(0, name.size() - std::string(suffix).size());
      if (absl::EndsWith(name, suffix) && families.count(base) &&
          (families[base].type == "histogram" || families[base].type == "summary")) {
        name = base;
      }
    }
    if (brace == std::string::npos) continue;
    const std::string labels = line.substr(brace + 1, line.find('}') - brace - 1);
    for (absl::string_view pair : absl::StrSplit(labels, absl::ByAnyChar(","), absl::SkipEmpty())) {
      const size_t equals = pair.find('=');
      if (equals == absl::string_view::npos || pair.find('"') < equals) continue;
      std::string label(pair.substr(0, equals));
      if (label != "le" && label != "quantile") families[name].labels.insert(label);
    }
  }
  return families;
}

std::string Describe(const std::set<std::string>& labels) {
  return labels.empty() ? "(none)" : absl::StrJoin(labels, ",");
}

class ExportedMetricsTest : public ::testing::TestWithParam<std::string> {
 protected:
  // The families `service` exports, from a freshly started process.
  std::map<std::string, ExportedFamily> Scrape() {
    auto service = ServiceProcess::Start(GetParam());
    if (service == nullptr) {
      ADD_FAILURE() << "cannot start casework-" << GetParam();
      return {};
    }
    if (!service->WaitUntilAnswering(absl::Seconds(20))) {
      ADD_FAILURE() << "casework-" << GetParam() << " did not answer health checks\n"
                    << service->Log();
      return {};
    }
    const std::string text = service->Metrics();
    EXPECT_FALSE(text.empty()) << "casework-" << GetParam() << " served no /metrics\n"
                               << service->Log();
    return ParseExposition(text);
  }
};

TEST_P(ExportedMetricsTest, ExportsEveryListedMetric) {
  const std::string& service = GetParam();
  const auto families = Scrape();
  int checked = 0;
  for (const ListedMetric& metric : ReadMetricsList()) {
    const bool on_use = metric.status == "on-use";
    if ((metric.status != "exported" && !on_use) || !metric.exported_by.count(service)) continue;
    ++checked;
    auto it = families.find(metric.name);
    // An on-use family has no series before its first use, and an empty family is not written
    // (its own tests, e.g. session_quota_test, see it used); what is there is checked.
    if (it == families.end() && on_use) continue;
    if (it == families.end()) {
      ADD_FAILURE() << "casework-" << service << " does not export " << metric.name
                    << ", which deploy/monitoring/metrics.txt lists as " << metric.status;
      continue;
    }
    EXPECT_EQ(it->second.type, metric.type) << metric.name;
    if (on_use && it->second.labels.empty()) continue;
    EXPECT_EQ(it->second.labels, metric.labels)
        << metric.name << ": exported labels " << Describe(it->second.labels) << ", listed "
        << Describe(metric.labels);
  }
  EXPECT_GT(checked, 0) << "metrics.txt lists nothing as exported by " << service;
}

TEST_P(ExportedMetricsTest, PlannedMetricsAreReported) {
  const std::string& service = GetParam();
  std::vector<std::string> planned;
  for (const ListedMetric& metric : ReadMetricsList()) {
    if (metric.status == "planned" && metric.exported_by.count(service)) {
      planned.push_back(metric.name);
    }
  }
  if (planned.empty()) GTEST_SKIP() << "no planned metrics for " << service;
  const auto families = Scrape();
  std::vector<std::string> missing, now_exported, differing;
  for (const ListedMetric& metric : ReadMetricsList()) {
    if (metric.status != "planned" || !metric.exported_by.count(service)) continue;
    auto it = families.find(metric.name);
    if (it == families.end()) {
      missing.push_back(metric.name);
    } else if (it->second.type != metric.type || it->second.labels != metric.labels) {
      differing.push_back(absl::StrCat(metric.name, " (exported ", it->second.type, " {",
                                       Describe(it->second.labels), "}, the rules expect ",
                                       metric.type, " {", Describe(metric.labels), "})"));
    } else {
      now_exported.push_back(metric.name);
    }
  }
  GTEST_SKIP() << "casework-" << service << ": planned metrics in deploy/monitoring/metrics.txt"
               << "\n  not on /metrics of a freshly started service (not implemented yet, or no "
                  "series before data exists): "
               << (missing.empty() ? "-" : absl::StrJoin(missing, ", "))
               << "\n  exported, differing from what rules and dashboards expect: "
               << (differing.empty() ? "-" : absl::StrJoin(differing, "; "))
               << "\n  exported as listed (mark them `exported`): "
               << (now_exported.empty() ? "-" : absl::StrJoin(now_exported, ", "));
}

INSTANTIATE_TEST_SUITE_P(Services, ExportedMetricsTest,
                         ::testing::Values("session", "records", "notification"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

}  // namespace
}  // namespace casework::testing
