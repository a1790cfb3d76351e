// casework-records: confidential case records, team meetings, action items and the case-load
// review. Flags become ServerOptions; then serve until SIGTERM and drain.
#include <iostream>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "libs/server/server_flags.h"
#include "libs/server/server_main.h"
#include "libs/server/shutdown_signal.h"
#include "services/records/records_grpc_service.h"

namespace {
constexpr int kGrpcPort = 50052;
constexpr int kMetricsPort = 9465;
}  // namespace

int main(int argc, char** argv) {
  casework::BlockTerminationSignals();  // before any thread starts
  absl::SetProgramUsageMessage(
      "casework-records: confidential case records, team meetings, action items and the case-load "
      "review.");
  absl::ParseCommandLine(argc, argv);

  absl::StatusOr<casework::ServerOptions> options =
      casework::ConfigureServerFromFlags("records", kGrpcPort, kMetricsPort);
  if (!options.ok()) {
    std::cerr << "casework-records: " << options.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<casework::MetricsEndpoint>> metrics =
      casework::MetricsEndpoint::Start(options->metrics_address);
  if (!metrics.ok()) {
    std::cerr << "casework-records: " << metrics.status().message() << "\n";
    return 1;
  }
  casework::RecordsGrpcService service;
  absl::Status served = casework::ServeUntilTerminated(
      *options, **metrics, {{&service, casework::v1::RecordsService::service_full_name()}});
  if (!served.ok()) {
    std::cerr << "casework-records: " << served.message() << "\n";
    return 1;
  }
  return 0;
}
