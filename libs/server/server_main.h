// What every service's main() does after building its options and services: serve until SIGTERM
// or SIGINT, then drain. Keeps the three main.cc files to flags and wiring.
#ifndef LIBS_SERVER_SERVER_MAIN_H_
#define LIBS_SERVER_SERVER_MAIN_H_

#include <vector>

#include "absl/status/status.h"
#include "libs/server/grpc_server.h"

namespace casework {

// Starts the server, waits for a termination signal, drains. Returns an error when the server
// cannot start; the caller exits non-zero with it.
absl::Status ServeUntilTerminated(const ServerOptions& options, MetricsEndpoint& metrics,
                                  const std::vector<ServiceBinding>& services);

}  // namespace casework

#endif  // LIBS_SERVER_SERVER_MAIN_H_
