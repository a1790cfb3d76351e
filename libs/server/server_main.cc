// Serve, wait for SIGTERM/SIGINT, drain.
#include "libs/server/server_main.h"

#include "libs/server/json_log.h"
#include "libs/server/shutdown_signal.h"

namespace casework {

absl::Status ServeUntilTerminated(const ServerOptions& options, MetricsEndpoint& metrics,
                                  const std::vector<ServiceBinding>& services) {
  absl::StatusOr<std::unique_ptr<GrpcServer>> server =
      GrpcServer::Start(options, metrics, services);
  if (!server.ok()) return server.status();
  int signal = WaitForTerminationSignal();
  Log(LogSeverity::kInfo, "termination signal", {{"signal", int64_t{signal}}});
  (*server)->Drain();
  return absl::OkStatus();
}

}  // namespace casework
