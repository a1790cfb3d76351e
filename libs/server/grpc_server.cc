// Builds the gRPC server with the kit's pieces, and drains it.
#include "libs/server/grpc_server.h"

#include <arpa/inet.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "health/v1/health.pb.h"
#include "libs/server/json_log.h"
#include "libs/server/unparseable_request.h"

namespace casework {
namespace {

constexpr absl::Duration kAuditFlushTail = absl::Milliseconds(500);
constexpr char kHealthService[] = "grpc.health.v1.Health";
constexpr char kReflectionService[] = "grpc.reflection.v1alpha.ServerReflection";

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint);
  endpoint->registry_ = std::make_shared<prometheus::Registry>();
  if (address.empty()) return endpoint;
  try {
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(address, /*num_threads=*/2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", e.what()));
  }
  endpoint->exposer_->RegisterCollectable(endpoint->registry_);
  std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
  endpoint->port_ = ports.empty() ? 0 : ports.front();
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() {
  if (exposer_ == nullptr) return;
  // CivetWeb's listener thread only notices the stop flag when its poll() returns, which without
  // traffic takes up to its 2 s quantum; connecting to the port ends the wait at once, so
  // shutdown (and a SIGTERM'd process's exit) is not held up by an idle metrics endpoint.
  std::atomic<bool> stopped{false};
  std::thread poke([this, &stopped] {
    while (!stopped.load()) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(static_cast<uint16_t>(port_));
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
      close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  exposer_.reset();
  stopped = true;
  poke.join();
}

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const ServerOptions& options, MetricsEndpoint& metrics,
    const std::vector<ServiceBinding>& services) {
  std::unique_ptr<GrpcServer> server(new GrpcServer);
  server->options_ = options;

  absl::StatusOr<std::unique_ptr<auth::JwtVerifier>> verifier =
      auth::JwtVerifier::Create(options.auth);
  if (!verifier.ok()) return verifier.status();

  // Reflection describes grpc.health.v1.Health from this generated descriptor.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  std::vector<std::string> service_names = {kHealthService, kReflectionService};
  for (const ServiceBinding& binding : services) service_names.push_back(binding.full_name);
  server->rpc_metrics_ = std::make_unique<RpcMetrics>(metrics.registry(), service_names);
  const RpcMetrics* rpc_metrics = server->rpc_metrics_.get();

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeAuthenticatingCredentials(
          options.tls, std::shared_ptr<const auth::JwtVerifier>(*std::move(verifier)),
          [rpc_metrics](absl::string_view method, absl::string_view reason) {
            rpc_metrics->RecordRejected(method);
            Log(LogSeverity::kInfo, "rpc refused",
                {{"method", std::string(method)},
                 {"code", std::string("Unauthenticated")},
                 {"reason", std::string(reason)}});
          });
  if (!credentials.ok()) return credentials.status();

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Without this, Linux's SO_REUSEPORT lets a second server silently share a port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.grpc_address, *credentials, &server->port_);
  for (const ServiceBinding& binding : services) builder.RegisterService(binding.service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  // First: what it changes in the sent status, the ones after it see (send hooks run in order).
  creators.push_back(MakeUnparseableRequestInterceptorFactory());
  creators.push_back(rpc_metrics->InterceptorFactory());
  if (options.audit_sink != nullptr) {
    std::vector<std::string> audited;
    for (const ServiceBinding& binding : services) audited.push_back(binding.full_name);
    creators.push_back(MakeAuditInterceptorFactory(options.audit_sink, std::move(audited)));
  }
  builder.experimental().SetInterceptorCreators(std::move(creators));

  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.grpc_address));
  }
  grpc::HealthCheckServiceInterface* health = server->server_->GetHealthCheckService();
  // "" answers whether the process is alive (liveness probes); each service's own name whether it
  // can do its work now (readiness), so losing Redis takes pods out of rotation without
  // restarting them.
  const bool ready = options.ready ? options.ready() : true;
  health->SetServingStatus(true);
  for (const ServiceBinding& binding : services) health->SetServingStatus(binding.full_name, ready);
  if (options.ready) {
    std::vector<std::string> names;
    for (const ServiceBinding& binding : services) names.push_back(binding.full_name);
    server->readiness_ =
        std::thread([s = server.get(), names, ready] { s->WatchReadiness(names, ready); });
  }
  Log(LogSeverity::kInfo, "serving",
      {{"grpc_port", int64_t{server->port_}},
       {"metrics_port", int64_t{metrics.port()}},
       {"tls", !options.tls.cert_chain_file.empty()}});
  return server;
}

void GrpcServer::WatchReadiness(std::vector<std::string> services, bool serving) {
  while (!stop_readiness_.WaitForNotificationWithTimeout(options_.readiness_interval)) {
    const bool ready = options_.ready();
    if (ready == serving) continue;
    serving = ready;
    for (const std::string& name : services) {
      server_->GetHealthCheckService()->SetServingStatus(name, ready);
    }
    Log(ready ? LogSeverity::kInfo : LogSeverity::kWarning, ready ? "ready" : "not ready");
  }
}

void GrpcServer::Drain() {
  if (drained_) return;
  drained_ = true;
  stop_readiness_.Notify();
  if (readiness_.joinable()) readiness_.join();
  const absl::Time started = absl::Now();
  Log(LogSeverity::kInfo, "draining",
      {{"grace_ms", absl::ToInt64Milliseconds(options_.drain_grace)}});
  // NOT_SERVING for every service, and no later change can flip it back.
  server_->GetHealthCheckService()->Shutdown();
  if (options_.drain_delay > absl::ZeroDuration()) {
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(options_.drain_delay));
  }
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.drain_grace));
  server_->Wait();
  // The audit entries of the last calls go out within the process's budget (grace + 1 s, what an
  // orchestrator allows before it kills): half a second after the grace at the latest.
  if (options_.audit_sink != nullptr) {
    options_.audit_sink->Close(started + options_.drain_grace + kAuditFlushTail);
  }
  Log(LogSeverity::kInfo, "drained",
      {{"elapsed_ms", absl::ToInt64Milliseconds(absl::Now() - started)}});
}

GrpcServer::~GrpcServer() {
  if (server_ != nullptr) Drain();
}

}  // namespace casework
