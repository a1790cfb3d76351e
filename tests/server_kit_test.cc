// The server kit over a real loopback gRPC channel: authentication (the token matrix), error
// details, health, reflection and metrics.
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "libs/auth/jwt_minter.h"
#include "libs/server/audit_interceptor.h"
#include "libs/server/grpc_server.h"
#include "libs/server/grpc_status.h"
#include "libs/server/json_log.h"
#include "libs/status/errors.h"
#include "libs/testing/process.h"
#include "libs/testing/test_tokens.h"
#include "tests/kit_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::GetSessionRequest;
using casework::v1::Session;
using casework::v1::SessionService;

class ServerKitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitJsonLogging("kit-test", "warning").ok());
    auto metrics = MetricsEndpoint::Start("127.0.0.1:0");
    ASSERT_TRUE(metrics.ok()) << metrics.status();
    metrics_ = *std::move(metrics);
    ServerOptions options;
    options.service_name = "kit-test";
    options.grpc_address = "127.0.0.1:0";
    options.auth = GetTestKeys().verifier_options;
    options.drain_grace = absl::Seconds(2);
    auto server =
        GrpcServer::Start(options, *metrics_, {{&service_, SessionService::service_full_name()}});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = LoopbackChannel(server_->port());
    stub_ = SessionService::NewStub(channel_);
  }

  grpc::Status GetSession(const std::string& token, const std::string& name,
                          Session* response = nullptr) {
    Session ignored;
    GetSessionRequest request;
    request.set_name(name);
    return stub_->GetSession(ContextWithToken(token).get(), request,
                             response != nullptr ? response : &ignored);
  }

  std::string Scrape() {
    auto text = HttpGet(metrics_->port(), "/metrics");
    EXPECT_TRUE(text.ok()) << text.status();
    return text.ok() ? *text : "";
  }

  const casework::v1::Principal alice_ = MakePrincipal("u-alice", "org-a", {"facilitator"});
  ProbeSessionService service_;
  std::unique_ptr<MetricsEndpoint> metrics_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<SessionService::Stub> stub_;
};

TEST_F(ServerKitTest, GoodTokenReachesTheHandlerWithItsPrincipal) {
  Session session;
  grpc::Status status = GetSession(GoodToken(alice_), "s-1", &session);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(session.name(), "s-1/by/u-alice/in/org-a");
}

// Calls on one connection carry their own principals: nothing of an earlier call's token leaks
// into a later one.
TEST_F(ServerKitTest, EachCallOnAConnectionHasItsOwnPrincipal) {
  const auto bob = MakePrincipal("u-bob", "org-b", {"member"});
  for (int round = 0; round < 3; ++round) {
    Session session;
    ASSERT_TRUE(GetSession(GoodToken(alice_), "s", &session).ok());
    EXPECT_EQ(session.name(), "s/by/u-alice/in/org-a");
    ASSERT_TRUE(GetSession(GoodToken(bob), "s", &session).ok());
    EXPECT_EQ(session.name(), "s/by/u-bob/in/org-b");
  }
}

TEST_F(ServerKitTest, PublicKeyTokensReachTheHandler) {
  auth::TokenOptions options{kTestIssuer, kTestAudience, absl::Now(), absl::Hours(1)};
  for (const auth::JwtKey* key : {&GetTestKeys().rs256_private, &GetTestKeys().es256_private}) {
    auto token = auth::MintToken(alice_, options, *key);
    ASSERT_TRUE(token.ok());
    EXPECT_TRUE(GetSession(*token, "s-1").ok()) << key->algorithm;
  }
}

TEST_F(ServerKitTest, TokenMatrixIsUnauthenticated) {
  for (const auto& [name, token] : BadTokens(alice_)) {
    grpc::Status status = GetSession(token, "s-1");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << name;
    if (!token.empty()) {
      EXPECT_EQ(status.error_message().find(token), std::string::npos) << name;
    }
  }
  // No header at all, and a header that is not a bearer token.
  EXPECT_EQ(GetSession("", "s-1").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  GetSessionRequest request;
  Session response;
  auto context = ContextWithToken("");
  context->AddMetadata("authorization", absl::StrCat("Basic ", GoodToken(alice_)));
  EXPECT_EQ(stub_->GetSession(context.get(), request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ServerKitTest, UnimplementedMethodsAreAuthenticatedFirst) {
  casework::v1::StartSessionRequest request;
  casework::v1::SessionCommandResponse response;
  EXPECT_EQ(stub_->StartSession(ContextWithToken("").get(), request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(stub_->StartSession(ContextWithToken(GoodToken(alice_)).get(), request, &response)
                .error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(ServerKitTest, ErrorDetailsRoundTrip) {
  grpc::Status status = GetSession(GoodToken(alice_), "fail");
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // Read the details as any gRPC client would: google.rpc.Status in grpc-status-details-bin.
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  google::rpc::ErrorInfo info;
  google::rpc::BadRequest bad_request;
  bool has_info = false, has_bad_request = false;
  for (const auto& any : details.details()) {
    has_info |= any.UnpackTo(&info);
    has_bad_request |= any.UnpackTo(&bad_request);
  }
  ASSERT_TRUE(has_info);
  ASSERT_TRUE(has_bad_request);
  EXPECT_EQ(info.reason(), "PROBE_INVALID");
  EXPECT_EQ(info.domain(), kErrorDomain);
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(0).field(), "name");
  EXPECT_EQ(bad_request.field_violations(1).field(), "request_id");
  EXPECT_EQ(ErrorReason(FromGrpcStatus(status)), "PROBE_INVALID");
}

TEST_F(ServerKitTest, HealthAnswersWithoutAToken) {
  EXPECT_EQ(HealthStatus(channel_, ""), "SERVING");
  EXPECT_EQ(HealthStatus(channel_, SessionService::service_full_name()), "SERVING");
  EXPECT_EQ(HealthStatus(channel_, "casework.v1.Nope").rfind("error 5", 0), 0u);
}

TEST_F(ServerKitTest, ReflectionDescribesServicesToAuthenticatedCallers) {
  EXPECT_TRUE(ReflectedServices(channel_, "").empty());
  std::vector<std::string> services = ReflectedServices(channel_, GoodToken(alice_));
  EXPECT_NE(std::find(services.begin(), services.end(), "casework.v1.SessionService"),
            services.end());
  EXPECT_NE(std::find(services.begin(), services.end(), "grpc.health.v1.Health"), services.end());
  EXPECT_EQ(ReflectedFileOf(channel_, GoodToken(alice_), "grpc.health.v1.Health"),
            "health/v1/health.proto");
  EXPECT_EQ(ReflectedFileOf(channel_, GoodToken(alice_), "casework.v1.SessionService"),
            "casework/v1/session_service.proto");
}

TEST_F(ServerKitTest, MetricsCountEveryOutcomeOnce) {
  const std::string series_labels =
      R"(grpc_method="GetSession",grpc_service="casework.v1.SessionService",grpc_type="unary")";
  const std::string token = GoodToken(alice_);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(GetSession(token, "s").ok());
  ASSERT_FALSE(GetSession(token, "fail").ok());
  ASSERT_FALSE(GetSession("", "s").ok());
  ASSERT_FALSE(GetSession("garbage", "s").ok());

  std::string text = Scrape();
  auto handled = [&](const std::string& code) {
    return MetricValue(text, absl::StrCat(R"(grpc_server_handled_total{grpc_code=")", code, "\",",
                                          series_labels, "}"));
  };
  EXPECT_EQ(MetricValue(text, absl::StrCat("grpc_server_started_total{", series_labels, "}")), 6);
  EXPECT_EQ(handled("OK"), 3);
  EXPECT_EQ(handled("InvalidArgument"), 1);
  EXPECT_EQ(handled("Unauthenticated"), 2);
  EXPECT_EQ(handled("NotFound"), 0);  // pre-created at zero
  EXPECT_EQ(
      MetricValue(text, absl::StrCat("grpc_server_handling_seconds_count{", series_labels, "}")),
      4);
  // A method nobody called is exported at zero too.
  EXPECT_EQ(MetricValue(text, R"(grpc_server_started_total{grpc_method="EndSession",)"
                              R"(grpc_service="casework.v1.SessionService",grpc_type="unary"})"),
            0);
}

TEST_F(ServerKitTest, MetricsPassPromtool) {
  ASSERT_TRUE(GetSession(GoodToken(alice_), "s").ok());
  CommandResult result = RunCommand("promtool check metrics", Scrape());
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

// The drain closes the audit sink once the last call has ended (its entry recorded before), with
// a deadline inside the process's budget: half a second after the grace.
TEST(ServerKitDrainTest, DrainClosesTheAuditSinkWithinTheBudget) {
  class ClosingSink : public AuditSink {
   public:
    void Record(casework::v1::AuditEntry entry) override {
      absl::MutexLock lock(&mu);
      entries.push_back(std::move(entry));
    }
    void Close(absl::Time deadline) override {
      absl::MutexLock lock(&mu);
      closed_with = deadline;
      entries_when_closed = entries.size();
    }
    absl::Mutex mu;
    std::vector<casework::v1::AuditEntry> entries;
    std::optional<absl::Time> closed_with;
    size_t entries_when_closed = 0;
  } sink;
  ASSERT_TRUE(InitJsonLogging("kit-test", "warning").ok());
  auto metrics = MetricsEndpoint::Start("");
  ASSERT_TRUE(metrics.ok());
  ServerOptions options;
  options.grpc_address = "127.0.0.1:0";
  options.auth = GetTestKeys().verifier_options;
  options.drain_grace = absl::Seconds(3);
  options.audit_sink = &sink;
  ProbeSessionService service;
  auto server =
      GrpcServer::Start(options, **metrics, {{&service, SessionService::service_full_name()}});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = SessionService::NewStub(LoopbackChannel((*server)->port()));
  GetSessionRequest request;
  request.set_name("s-drain");
  Session session;
  ASSERT_TRUE(stub->GetSession(ContextWithToken(GoodToken(MakePrincipal("u-1", "org-a", {}))).get(),
                               request, &session)
                  .ok());
  const absl::Time before = absl::Now();
  (*server)->Drain();
  const absl::Time after = absl::Now();
  absl::MutexLock lock(&sink.mu);
  ASSERT_TRUE(sink.closed_with.has_value());
  EXPECT_EQ(sink.entries_when_closed, 1u);
  EXPECT_GE(*sink.closed_with, before + options.drain_grace);
  EXPECT_LE(*sink.closed_with, after + options.drain_grace + absl::Milliseconds(500));
}

// The same kit serving TLS: a client that trusts the certificate gets through (with a token);
// a plaintext client does not.
TEST(ServerKitTlsTest, ServesTlsWithTheSameAuthentication) {
  ASSERT_TRUE(InitJsonLogging("kit-test", "warning").ok());
  const std::string dir = ::testing::TempDir() + "/kit-tls";
  CommandResult made = RunCommand(absl::StrCat(
      "mkdir -p ", dir, " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes",
      " -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1", " -keyout ",
      dir, "/key.pem -out ", dir, "/cert.pem"));
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto metrics = MetricsEndpoint::Start("");
  ASSERT_TRUE(metrics.ok());
  ServerOptions options;
  options.grpc_address = "127.0.0.1:0";
  options.auth = GetTestKeys().verifier_options;
  options.tls = TlsFiles{dir + "/cert.pem", dir + "/key.pem"};
  ProbeSessionService service;
  auto server =
      GrpcServer::Start(options, **metrics, {{&service, SessionService::service_full_name()}});
  ASSERT_TRUE(server.ok()) << server.status();

  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = RunCommand(absl::StrCat("cat ", dir, "/cert.pem")).output;
  auto tls_channel =
      grpc::CreateChannel(absl::StrCat("localhost:", (*server)->port()), grpc::SslCredentials(ssl));
  auto stub = SessionService::NewStub(tls_channel);
  GetSessionRequest request;
  request.set_name("s-tls");
  Session session;
  grpc::Status status =
      stub->GetSession(ContextWithToken(GoodToken(MakePrincipal("u-1", "org-a", {"member"}))).get(),
                       request, &session);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(session.name(), "s-tls/by/u-1/in/org-a");
  EXPECT_EQ(stub->GetSession(ContextWithToken("").get(), request, &session).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  auto plaintext = SessionService::NewStub(LoopbackChannel((*server)->port()));
  EXPECT_EQ(plaintext
                ->GetSession(
                    ContextWithToken(GoodToken(MakePrincipal("u-1", "org-a", {})), absl::Seconds(2))
                        .get(),
                    request, &session)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace casework::testing
