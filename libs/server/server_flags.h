// The command-line flags every service binary shares (addresses, TLS, token keys, drain, logs),
// defined once here and linked only into the binaries' main(). Services add their own flags in
// their main.cc.
#ifndef LIBS_SERVER_SERVER_FLAGS_H_
#define LIBS_SERVER_SERVER_FLAGS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/quota/quota_policy.h"
#include "libs/server/grpc_server.h"

namespace casework {

// Reads the shared flags (call after absl::ParseCommandLine), sets up JSON logging, and returns
// the server options; addresses default to 0.0.0.0 on the service's fixed ports.
absl::StatusOr<ServerOptions> ConfigureServerFromFlags(absl::string_view service_name,
                                                       int default_grpc_port,
                                                       int default_metrics_port);

// The per-organisation quotas of `--quota_file` (libs/quota/quota_policy.h; empty: the built-in
// defaults). Every service reads the same file and enforces the quotas it serves.
absl::StatusOr<quota::QuotaPolicy> QuotaPolicyFromFlags();

}  // namespace casework

#endif  // LIBS_SERVER_SERVER_FLAGS_H_
