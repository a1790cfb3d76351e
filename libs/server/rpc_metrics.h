// Per-RPC metrics and access logs, as a gRPC server interceptor. Metric names follow
// go-grpc-prometheus so existing dashboards and alerts work unchanged:
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method} (histogram)
// Every series of every method of the given services exists from start-up at zero. Series are
// resolved once, so a call touches only pre-built counters (no label lookups on the hot path).
#ifndef LIBS_SERVER_RPC_METRICS_H_
#define LIBS_SERVER_RPC_METRICS_H_

#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace casework {

class RpcMetrics {
 public:
  struct MethodSeries {
    prometheus::Counter* started;
    std::array<prometheus::Counter*, 17> handled;  // by grpc::StatusCode
    prometheus::Histogram* handling_seconds;
  };

  // `services` are full service names (e.g. "casework.v1.SessionService") found in the
  // generated descriptor pool.
  RpcMetrics(prometheus::Registry& registry, const std::vector<std::string>& services);

  // Series of "/package.Service/Method"; nullptr for a path that is no method of the services.
  const MethodSeries* Find(absl::string_view path) const;

  // Counts a call refused before it reached the server's method table (authentication).
  void RecordRejected(absl::string_view path) const;

  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> InterceptorFactory() const;

 private:
  absl::flat_hash_map<std::string, MethodSeries> by_path_;
};

}  // namespace casework

#endif  // LIBS_SERVER_RPC_METRICS_H_
