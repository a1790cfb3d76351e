// casework-notification: live session event streams and organisation reminders.
// Flags become options; the notification server's parts are built; serve until SIGTERM, then end
// every stream with its resume position and drain.
#include <iostream>
#include <utility>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "libs/records_client/audit_shipper.h"
#include "libs/server/json_log.h"
#include "libs/server/server_flags.h"
#include "libs/server/shutdown_signal.h"
#include "services/notification/notification_flags.h"
#include "services/notification/notification_server.h"
#include "services/notification/server_keepalive.h"

namespace {
constexpr int kGrpcPort = 50053;
constexpr int kMetricsPort = 9466;

int Fail(const absl::Status& status) {
  std::cerr << "casework-notification: " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}
}  // namespace

int main(int argc, char** argv) {
  casework::BlockTerminationSignals();  // before any thread starts
  absl::SetProgramUsageMessage(
      "casework-notification: live session event streams and organisation reminders");
  absl::ParseCommandLine(argc, argv);

  absl::StatusOr<casework::ServerOptions> options =
      casework::ConfigureServerFromFlags("notification", kGrpcPort, kMetricsPort);
  if (!options.ok()) return Fail(options.status());
  auto notification_options = casework::notification::NotificationOptionsFromFlags(*options);
  if (!notification_options.ok()) return Fail(notification_options.status());
  absl::StatusOr<casework::quota::QuotaPolicy> quota = casework::QuotaPolicyFromFlags();
  if (!quota.ok()) return Fail(quota.status());
  notification_options->quota = *std::move(quota);

  auto metrics = casework::MetricsEndpoint::Start(options->metrics_address);
  if (!metrics.ok()) return Fail(metrics.status());
  auto server = casework::notification::NotificationServer::Create(*notification_options,
                                                                   (*metrics)->registry());
  if (!server.ok()) return Fail(server.status());
  options->ready = (*server)->ready();
  casework::notification::InstallServerKeepalive({});  // long-lived streams: docs/CLIENTS.md
  // One audit entry per RPC, shipped to records on a channel of its own. Declared before the
  // server: flushed after its drain.
  auto audit = casework::AuditTrail::Start(notification_options->records, (*metrics)->registry());
  if (!audit.ok()) return Fail(audit.status());
  options->audit_sink = (*audit)->sink();
  auto serving = casework::GrpcServer::Start(*options, **metrics, (*server)->bindings());
  if (!serving.ok()) return Fail(serving.status());

  const int signal = casework::WaitForTerminationSignal();
  casework::Log(casework::LogSeverity::kInfo, "termination signal", {{"signal", int64_t{signal}}});
  // Streams never end on their own: end them (UNAVAILABLE + last_sequence) so the drain is quick
  // and every client knows where to resume on another replica.
  (*server)->EndStreams();
  (*serving)->Drain();
  return 0;
}
