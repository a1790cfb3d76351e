// The server kit's lifecycle: one gRPC server with our services, standard health, reflection,
// bearer-token authentication, per-RPC metrics and access logs, plus the Prometheus endpoint;
// and the drain that SIGTERM triggers (health NOT_SERVING, then Shutdown(deadline)).
#ifndef LIBS_SERVER_GRPC_SERVER_H_
#define LIBS_SERVER_GRPC_SERVER_H_

#include <grpcpp/server.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/auth/jwt_verifier.h"
#include "libs/server/audit_interceptor.h"
#include "libs/server/authenticating_credentials.h"
#include "libs/server/rpc_metrics.h"

namespace casework {

struct ServerOptions {
  std::string service_name;     // "session", "records", "notification": for logs
  std::string grpc_address;     // host:port; port 0 picks a free one (tests)
  std::string metrics_address;  // host:port of /metrics; empty disables the endpoint
  TlsFiles tls;                 // empty → plaintext
  auth::JwtVerifierOptions auth;
  // Between health turning NOT_SERVING and Shutdown: time for load balancers to notice.
  absl::Duration drain_delay = absl::ZeroDuration();
  // How long in-flight calls may run on after Shutdown starts; then they are cancelled.
  absl::Duration drain_grace = absl::Seconds(10);
  // Whether the process can do its work (e.g. its Redis connection is healthy). Polled every
  // `readiness_interval`; health of each service name answers NOT_SERVING while it is false (the
  // server-wide "" stays SERVING until the drain: it tells liveness). Empty: always ready.
  std::function<bool()> ready;
  absl::Duration readiness_interval = absl::Milliseconds(250);
  // Where the audit entries of the served services' RPCs go (one per call); null: not audited
  // here (the records service writes its own). Not owned; must outlive the server. The drain
  // closes it: what is queued goes out until half a second after the grace.
  AuditSink* audit_sink = nullptr;
};

// The Prometheus registry every component of a process registers its metrics in, and the HTTP
// endpoint that serves it. Created before the services so they can register their own metrics.
class MetricsEndpoint {
 public:
  // An empty address creates the registry without serving it.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(const std::string& address);

  prometheus::Registry& registry() { return *registry_; }
  int port() const { return port_; }

  ~MetricsEndpoint();

 private:
  MetricsEndpoint() = default;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

// A service to serve, with its full name (e.g. casework::v1::SessionService::service_full_name())
// for health status, metrics and logs. The service is not owned and must outlive the server.
struct ServiceBinding {
  grpc::Service* service;
  std::string full_name;
};

class GrpcServer {
 public:
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const ServerOptions& options, MetricsEndpoint& metrics,
      const std::vector<ServiceBinding>& services);

  int port() const { return port_; }
  grpc::Server& server() { return *server_; }

  // Health NOT_SERVING, then Shutdown with the grace deadline, then wait for the server's threads.
  void Drain();

  ~GrpcServer();

 private:
  GrpcServer() = default;

  void WatchReadiness(std::vector<std::string> services, bool serving);

  ServerOptions options_;
  std::unique_ptr<RpcMetrics> rpc_metrics_;
  std::unique_ptr<grpc::Server> server_;
  absl::Notification stop_readiness_;
  std::thread readiness_;
  int port_ = 0;
  bool drained_ = false;
};

}  // namespace casework

#endif  // LIBS_SERVER_GRPC_SERVER_H_
