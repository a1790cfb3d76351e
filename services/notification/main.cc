// casework-notification: live session event streams and organisation reminders.
// Flags become options; the notification server's parts are built; serve until SIGTERM, then end
// every stream with its resume position and drain.
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "libs/records_client/audit_shipper.h"
#include "libs/server/json_log.h"
#include "libs/server/server_flags.h"
#include "libs/server/shutdown_signal.h"
#include "services/notification/notification_server.h"
#include "services/notification/server_keepalive.h"

ABSL_FLAG(std::string, redis_address, "127.0.0.1:6379", "Redis host:port (the session logs)");
ABSL_FLAG(std::string, records_address, "",
          "casework-records host:port for action-item reminders; empty: no reminders");
ABSL_FLAG(std::string, records_token_file, "", "the notification service's token (re-read)");
ABSL_FLAG(std::string, records_hs256_key_file, "",
          "development: mint that token with this key (default: --jwt_hs256_key_file when no "
          "token file is given)");
ABSL_DECLARE_FLAG(std::string, jwt_hs256_key_file);
ABSL_FLAG(absl::Duration, org_event_retention, absl::Hours(24 * 7),
          "how long organisation events stay resumable (WatchOrganization after_sequence)");
ABSL_FLAG(int, watch_queue_frames, 1024,
          "frames a stream may have queued before it ends RESOURCE_EXHAUSTED (client too slow)");

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
  casework::notification::NotificationServerOptions notification_options;
  std::pair<std::string, std::string> redis =
      absl::StrSplit(absl::GetFlag(FLAGS_redis_address), ':');
  notification_options.redis.host = redis.first;
  if (!absl::SimpleAtoi(redis.second, &notification_options.redis.port)) {
    return Fail(absl::InvalidArgumentError("--redis_address must be host:port"));
  }
  if (absl::GetFlag(FLAGS_watch_queue_frames) < 2) {
    return Fail(absl::InvalidArgumentError("--watch_queue_frames must be at least 2"));
  }
  notification_options.queue_capacity = absl::GetFlag(FLAGS_watch_queue_frames);
  notification_options.org_event_retention = absl::GetFlag(FLAGS_org_event_retention);
  if (notification_options.org_event_retention <= absl::ZeroDuration()) {
    return Fail(absl::InvalidArgumentError("--org_event_retention must be positive"));
  }
  notification_options.reminders_enabled = !absl::GetFlag(FLAGS_records_address).empty();
  notification_options.records.address = absl::GetFlag(FLAGS_records_address);
  notification_options.records.token_file = absl::GetFlag(FLAGS_records_token_file);
  notification_options.records.hs256_key_file = absl::GetFlag(FLAGS_records_hs256_key_file);
  if (notification_options.records.token_file.empty() &&
      notification_options.records.hs256_key_file.empty()) {
    notification_options.records.hs256_key_file = absl::GetFlag(FLAGS_jwt_hs256_key_file);
  }
  notification_options.records.issuer = options->auth.issuer;  // minted like the tokens we accept
  notification_options.records.audience = options->auth.audience;

  auto metrics = casework::MetricsEndpoint::Start(options->metrics_address);
  if (!metrics.ok()) return Fail(metrics.status());
  auto server = casework::notification::NotificationServer::Create(notification_options,
                                                                   (*metrics)->registry());
  if (!server.ok()) return Fail(server.status());
  options->ready = (*server)->ready();
  casework::notification::InstallServerKeepalive({});  // long-lived streams: docs/CLIENTS.md
  // One audit entry per RPC, shipped to records; without --records_address there is nowhere to
  // ship them (docs/OPERATIONS.md). Declared before the server: flushed after its drain.
  std::unique_ptr<casework::RecordsClient> audit_records;
  std::unique_ptr<casework::AuditShipper> audit;
  if (notification_options.reminders_enabled) {
    casework::RecordsClientOptions audit_options = notification_options.records;
    audit_options.role = "notification-service";
    auto client = casework::RecordsClient::Create(audit_options);
    if (!client.ok()) return Fail(client.status());
    audit_records = *std::move(client);
    audit = std::make_unique<casework::AuditShipper>(*audit_records, (*metrics)->registry());
    options->audit_sink = audit.get();
  } else {
    casework::Log(casework::LogSeverity::kWarning,
                  "audit entries are not recorded: --records_address is not set");
  }
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
