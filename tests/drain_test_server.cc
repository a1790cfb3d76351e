// A server built with the kit whose GetSession can be told to take its time ("slow/<ms>"): the
// SIGTERM drain test needs calls that are still in flight when the signal arrives.
#include <iostream>

#include "absl/flags/parse.h"
#include "libs/server/server_flags.h"
#include "libs/server/server_main.h"
#include "libs/server/shutdown_signal.h"
#include "tests/probe_session_service.h"

int main(int argc, char** argv) {
  casework::BlockTerminationSignals();
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<casework::ServerOptions> options =
      casework::ConfigureServerFromFlags("drain-test", 0, 0);
  if (!options.ok()) {
    std::cerr << options.status().message() << "\n";
    return 2;
  }
  auto metrics = casework::MetricsEndpoint::Start(options->metrics_address);
  if (!metrics.ok()) return 1;
  casework::testing::ProbeSessionService service;
  absl::Status served = casework::ServeUntilTerminated(
      *options, **metrics, {{&service, casework::v1::SessionService::service_full_name()}});
  return served.ok() ? 0 : 1;
}
