// casework-session: live facilitated case sessions (consultation, intervision, team meetings).
// Flags become ServerOptions; then serve until SIGTERM and drain.
#include <iostream>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "libs/server/server_flags.h"
#include "libs/server/server_main.h"
#include "libs/server/shutdown_signal.h"
#include "services/session/session_grpc_service.h"

namespace {
constexpr int kGrpcPort = 50051;
constexpr int kMetricsPort = 9464;
}  // namespace

int main(int argc, char** argv) {
  casework::BlockTerminationSignals();  // before any thread starts
  absl::SetProgramUsageMessage(
      "casework-session: live facilitated case sessions (consultation, intervision, team "
      "meetings).");
  absl::ParseCommandLine(argc, argv);

  absl::StatusOr<casework::ServerOptions> options =
      casework::ConfigureServerFromFlags("session", kGrpcPort, kMetricsPort);
  if (!options.ok()) {
    std::cerr << "casework-session: " << options.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<casework::MetricsEndpoint>> metrics =
      casework::MetricsEndpoint::Start(options->metrics_address);
  if (!metrics.ok()) {
    std::cerr << "casework-session: " << metrics.status().message() << "\n";
    return 1;
  }
  casework::SessionGrpcService service;
  absl::Status served = casework::ServeUntilTerminated(
      *options, **metrics, {{&service, casework::v1::SessionService::service_full_name()}});
  if (!served.ok()) {
    std::cerr << "casework-session: " << served.message() << "\n";
    return 1;
  }
  return 0;
}
