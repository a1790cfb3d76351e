// casework-session: live facilitated case sessions (consultation, intervision, team meetings).
// Flags become options; the session server's parts are built; then serve until SIGTERM and drain.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "libs/server/server_flags.h"
#include "libs/server/server_main.h"
#include "libs/server/shutdown_signal.h"
#include "services/session/session_server.h"

ABSL_FLAG(std::string, redis_address, "127.0.0.1:6379", "Redis host:port (the session log)");
ABSL_FLAG(std::string, protocols_dir, "protocols", "directory of protocol *.textproto files");

namespace {
constexpr int kGrpcPort = 50051;
constexpr int kMetricsPort = 9464;

int Fail(const absl::Status& status) {
  std::cerr << "casework-session: " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}
}  // namespace

int main(int argc, char** argv) {
  casework::BlockTerminationSignals();  // before any thread starts
  absl::SetProgramUsageMessage("casework-session: live facilitated case sessions");
  absl::ParseCommandLine(argc, argv);

  absl::StatusOr<casework::ServerOptions> options =
      casework::ConfigureServerFromFlags("session", kGrpcPort, kMetricsPort);
  if (!options.ok()) return Fail(options.status());
  casework::session::SessionServerOptions session_options;
  std::pair<std::string, std::string> redis =
      absl::StrSplit(absl::GetFlag(FLAGS_redis_address), ':');
  session_options.redis.host = redis.first;
  if (!absl::SimpleAtoi(redis.second, &session_options.redis.port)) {
    return Fail(absl::InvalidArgumentError("--redis_address must be host:port"));
  }
  session_options.protocols_dir = absl::GetFlag(FLAGS_protocols_dir);

  auto metrics = casework::MetricsEndpoint::Start(options->metrics_address);
  if (!metrics.ok()) return Fail(metrics.status());
  auto server = casework::session::SessionServer::Create(session_options);
  if (!server.ok()) return Fail(server.status());
  options->ready = (*server)->ready();
  absl::Status served = casework::ServeUntilTerminated(*options, **metrics, (*server)->bindings());
  return served.ok() ? 0 : Fail(served);
}
