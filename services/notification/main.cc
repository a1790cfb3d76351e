// casework-notification: live session event streams and organisation reminders.
// Flags become ServerOptions; then serve until SIGTERM and drain.
#include <iostream>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "libs/server/server_flags.h"
#include "libs/server/server_main.h"
#include "libs/server/shutdown_signal.h"
#include "services/notification/notification_grpc_service.h"

namespace {
constexpr int kGrpcPort = 50053;
constexpr int kMetricsPort = 9466;
}  // namespace

int main(int argc, char** argv) {
  casework::BlockTerminationSignals();  // before any thread starts
  absl::SetProgramUsageMessage(
      "casework-notification: live session event streams and organisation reminders.");
  absl::ParseCommandLine(argc, argv);

  absl::StatusOr<casework::ServerOptions> options =
      casework::ConfigureServerFromFlags("notification", kGrpcPort, kMetricsPort);
  if (!options.ok()) {
    std::cerr << "casework-notification: " << options.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<casework::MetricsEndpoint>> metrics =
      casework::MetricsEndpoint::Start(options->metrics_address);
  if (!metrics.ok()) {
    std::cerr << "casework-notification: " << metrics.status().message() << "\n";
    return 1;
  }
  casework::NotificationGrpcService service;
  absl::Status served = casework::ServeUntilTerminated(
      *options, **metrics, {{&service, casework::v1::NotificationService::service_full_name()}});
  if (!served.ok()) {
    std::cerr << "casework-notification: " << served.message() << "\n";
    return 1;
  }
  return 0;
}
