// The three service binaries as an operator runs them: started as processes on loopback ports
// with a key file, probed over gRPC and HTTP, stopped with SIGTERM by their PID.
#include <grpcpp/generic/generic_stub.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/process.h"
#include "libs/testing/redis_server.h"
#include "libs/testing/test_tokens.h"
#include "tests/kit_test_support.h"

namespace casework::testing {
namespace {

using ::casework::testing::RedisServer;

struct Binary {
  std::string name;          // casework-<name>
  std::string service;       // full service name
  std::string probe_method;  // a unary method that takes a name
  bool needs_redis = false;
};

void PrintTo(const Binary& binary, std::ostream* os) { *os << binary.name; }

class RunningServer {
 public:
  static std::unique_ptr<RunningServer> Start(const std::string& binary,
                                              std::vector<std::string> extra_flags = {}) {
    auto server = std::unique_ptr<RunningServer>(new RunningServer);
    server->dir_ = std::filesystem::temp_directory_path() /
                   absl::StrCat("casework-bin-test-", getpid(), "-", binary, "-", rand());
    std::filesystem::create_directories(server->dir_);
    std::ofstream(server->dir_ / "key") << GetTestKeys().hs256.material;
    server->grpc_port_ = FreeTcpPort();
    server->metrics_port_ = FreeTcpPort();
    std::vector<std::string> argv = {
        absl::StrCat(BinaryDir(), "/", binary),
        absl::StrCat("--grpc_address=127.0.0.1:", server->grpc_port_),
        absl::StrCat("--metrics_address=127.0.0.1:", server->metrics_port_),
        absl::StrCat("--jwt_hs256_key_file=", (server->dir_ / "key").string()),
        absl::StrCat("--jwt_issuer=", kTestIssuer),
        absl::StrCat("--jwt_audience=", kTestAudience)};
    for (std::string& flag : extra_flags) argv.push_back(std::move(flag));
    auto process = ChildProcess::Start(argv, (server->dir_ / "log").string());
    if (!process.ok()) return nullptr;
    server->process_ = *std::move(process);
    server->channel_ = LoopbackChannel(server->grpc_port_);
    if (!WaitUntilServing(server->channel_, "", absl::Seconds(20))) return nullptr;
    return server;
  }

  ~RunningServer() {
    process_.reset();  // SIGKILL if still running
    std::filesystem::remove_all(dir_);
  }

  ChildProcess& process() { return *process_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  int metrics_port() const { return metrics_port_; }
  std::string Log() const {
    std::ifstream in(dir_ / "log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  RunningServer() = default;
  std::filesystem::path dir_;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
};

// A unary call of `method` with an empty request through the generic stub.
grpc::Status CallEmpty(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                       const std::string& token) {
  grpc::GenericStub stub(channel);
  auto context = ContextWithToken(token);
  grpc::Slice empty(std::string(""));
  grpc::ByteBuffer request(&empty, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status result;
  stub.UnaryCall(context.get(), method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) {
                   std::lock_guard<std::mutex> lock(mu);
                   result = status;
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  return result;
}

class ServiceBinaryTest : public ::testing::TestWithParam<Binary> {};

TEST_P(ServiceBinaryTest, ServesHealthAuthMetricsAndDrainsOnSigterm) {
  const Binary& binary = GetParam();
  std::unique_ptr<RedisServer> redis;
  std::vector<std::string> flags;
  if (binary.needs_redis) {
    auto started = RedisServer::Start();
    ASSERT_TRUE(started.ok()) << started.status();
    redis = *std::move(started);
    flags = {absl::StrCat("--redis_address=127.0.0.1:", redis->port())};
    if (binary.name == "session") {
      flags.push_back(absl::StrCat("--protocols_dir=", CASEWORK_SOURCE_DIR, "/protocols"));
    }
  }
  auto server = RunningServer::Start(absl::StrCat("casework-", binary.name), flags);
  ASSERT_NE(server, nullptr) << "casework-" << binary.name << " did not become SERVING";

  EXPECT_EQ(HealthStatus(server->channel(), binary.service), "SERVING");
  const std::string method = absl::StrCat("/", binary.service, "/", binary.probe_method);
  EXPECT_EQ(CallEmpty(server->channel(), method, "").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const std::string token = GoodToken(MakePrincipal("u-1", "org-a", {"member"}));
  // A good token reaches the handler, which judges the (empty) request itself.
  grpc::Status reached = CallEmpty(server->channel(), method, token);
  EXPECT_NE(reached.error_code(), grpc::StatusCode::UNAUTHENTICATED) << reached.error_message();
  EXPECT_NE(reached.error_code(), grpc::StatusCode::UNKNOWN) << reached.error_message();
  EXPECT_NE(reached.error_code(), grpc::StatusCode::INTERNAL) << reached.error_message();
  auto services = ReflectedServices(server->channel(), token);
  EXPECT_NE(std::find(services.begin(), services.end(), binary.service), services.end());

  auto metrics = HttpGet(server->metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  CommandResult promtool = RunCommand("promtool check metrics", *metrics);
  EXPECT_EQ(promtool.exit_code, 0) << promtool.output;
  EXPECT_NE(metrics->find(absl::StrCat("grpc_service=\"", binary.service, "\"")),
            std::string::npos);

  const absl::Time signalled = absl::Now();
  server->process().Signal(SIGTERM);
  std::optional<int> status = server->process().WaitForExit(absl::Seconds(15));
  ASSERT_TRUE(status.has_value()) << "did not exit after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << server->Log();
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(11));  // the default 10 s grace, plus slack
  // Logs are JSON lines and never carry the token.
  std::string log = server->Log();
  EXPECT_NE(log.find(R"("severity":"INFO")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("message":"drained")"), std::string::npos) << log;
  EXPECT_EQ(log.find(token), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    AllServices, ServiceBinaryTest,
    ::testing::Values(Binary{"session", "casework.v1.SessionService", "GetSession", true},
                      Binary{"records", "casework.v1.RecordsService", "GetCase"},
                      Binary{"notification", "casework.v1.NotificationService", "WatchSession",
                             true}),
    [](const ::testing::TestParamInfo<Binary>& param) { return param.param.name; });

TEST(ServiceBinaryFlagsTest, RefusesToStartWithoutAVerificationKey) {
  auto process = ChildProcess::Start({absl::StrCat(BinaryDir(), "/casework-session"),
                                      "--grpc_address=127.0.0.1:0", "--metrics_address=off"});
  ASSERT_TRUE(process.ok());
  std::optional<int> status = (*process)->WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2);
}

// Calls in flight when SIGTERM arrives finish; the process exits once they have, well within
// the grace period; calls that would outlast the grace are cut off and the exit stays on time.
TEST(DrainTest, SigtermWaitsForCallsInFlightWithinTheGrace) {
  auto server = RunningServer::Start("drain_test_server", {"--drain_grace=5s"});
  ASSERT_NE(server, nullptr);
  const std::string token = GoodToken(MakePrincipal("u-1", "org-a", {"member"}));
  auto stub = casework::v1::SessionService::NewStub(server->channel());

  constexpr int kCalls = 20;
  std::atomic<int> ok_calls{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&] {
      casework::v1::GetSessionRequest request;
      request.set_name("slow/1500");
      casework::v1::Session response;
      if (stub->GetSession(ContextWithToken(token).get(), request, &response).ok()) ++ok_calls;
    });
  }
  // Wait until the server has started every call (its own counter says so), then signal.
  const std::string started = R"(grpc_server_started_total{grpc_method="GetSession",)"
                              R"(grpc_service="casework.v1.SessionService",grpc_type="unary"})";
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  double seen = 0;
  while (seen < kCalls && absl::Now() < give_up) {
    auto text = HttpGet(server->metrics_port(), "/metrics");
    if (text.ok()) seen = MetricValue(*text, started);
  }
  ASSERT_EQ(seen, kCalls);
  const absl::Time signalled = absl::Now();
  server->process().Signal(SIGTERM);
  for (std::thread& caller : callers) caller.join();
  std::optional<int> status = server->process().WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  EXPECT_EQ(ok_calls.load(), kCalls) << server->Log();
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(5));
}

TEST(DrainTest, CallsOutlastingTheGraceAreCutOffAndExitIsOnTime) {
  auto server = RunningServer::Start("drain_test_server", {"--drain_grace=1s"});
  ASSERT_NE(server, nullptr);
  const std::string token = GoodToken(MakePrincipal("u-1", "org-a", {"member"}));
  auto stub = casework::v1::SessionService::NewStub(server->channel());
  grpc::Status long_call;
  std::thread caller([&] {
    casework::v1::GetSessionRequest request;
    request.set_name("slow/30000");
    casework::v1::Session response;
    long_call =
        stub->GetSession(ContextWithToken(token, absl::Seconds(60)).get(), request, &response);
  });
  const std::string started = R"(grpc_server_started_total{grpc_method="GetSession",)"
                              R"(grpc_service="casework.v1.SessionService",grpc_type="unary"})";
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  double seen = 0;
  while (seen < 1 && absl::Now() < give_up) {
    auto text = HttpGet(server->metrics_port(), "/metrics");
    if (text.ok()) seen = MetricValue(*text, started);
  }
  ASSERT_EQ(seen, 1);
  const absl::Time signalled = absl::Now();
  server->process().Signal(SIGTERM);
  std::optional<int> status = server->process().WaitForExit(absl::Seconds(10));
  caller.join();
  ASSERT_TRUE(status.has_value());
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(2)) << "grace 1 s + 1 s";
  EXPECT_FALSE(long_call.ok());
}

}  // namespace
}  // namespace casework::testing
