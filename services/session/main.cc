// casework-session: live facilitated case sessions (consultation, intervision, team meetings).
// Flags become options; the session server's parts are built; then serve until SIGTERM and drain.
#include <iostream>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "libs/records_client/audit_shipper.h"
#include "libs/server/server_flags.h"
#include "libs/server/server_main.h"
#include "libs/server/shutdown_signal.h"
#include "services/session/session_server.h"

ABSL_FLAG(std::string, redis_address, "127.0.0.1:6379", "Redis host:port (the session log)");
ABSL_FLAG(std::string, protocols_dir, "protocols", "directory of protocol *.textproto files");
ABSL_FLAG(std::string, records_address, "127.0.0.1:50052", "host:port of casework-records");
ABSL_FLAG(std::string, records_token_file, "",
          "the session service's identity token for the records service (a JWT file, re-read "
          "when it changes)");
ABSL_FLAG(std::string, records_hs256_key_file, "",
          "development: mint the service identity token with this HS256 key instead (default: "
          "--jwt_hs256_key_file when no token file is given)");
ABSL_DECLARE_FLAG(std::string, jwt_hs256_key_file);
ABSL_FLAG(absl::Duration, records_deadline, absl::Seconds(2), "deadline of each records call");
ABSL_FLAG(absl::Duration, team_members_ttl, absl::Seconds(5),
          "how long a team's member list is trusted: a removed member loses access within it");
ABSL_FLAG(absl::Duration, session_log_purge_interval, absl::Minutes(10),
          "how often the retention purge deletes the live logs of sessions past their "
          "organisation's session_log_retention (0: never)");
ABSL_FLAG(int, session_log_purge_batch, 200, "recorded sessions the purge reads per round");

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
  absl::StatusOr<casework::quota::QuotaPolicy> quotas = casework::QuotaPolicyFromFlags();
  if (!quotas.ok()) return Fail(quotas.status());
  session_options.quotas = *std::move(quotas);
  casework::RecordsClientOptions records;
  records.address = absl::GetFlag(FLAGS_records_address);
  records.token_file = absl::GetFlag(FLAGS_records_token_file);
  records.hs256_key_file = absl::GetFlag(FLAGS_records_hs256_key_file);
  if (records.token_file.empty() && records.hs256_key_file.empty()) {
    records.hs256_key_file = absl::GetFlag(FLAGS_jwt_hs256_key_file);
  }
  records.role = "session-service";
  records.issuer = options->auth.issuer;
  records.audience = options->auth.audience;
  records.deadline = absl::GetFlag(FLAGS_records_deadline);
  session_options.records = records;
  session_options.members.ttl = absl::GetFlag(FLAGS_team_members_ttl);
  session_options.purge.interval = absl::GetFlag(FLAGS_session_log_purge_interval);
  session_options.purge.batch = absl::GetFlag(FLAGS_session_log_purge_batch);
  if (session_options.purge.batch < 1 || session_options.purge.batch > 10000) {
    return Fail(absl::InvalidArgumentError("--session_log_purge_batch must be 1 to 10000"));
  }

  auto metrics = casework::MetricsEndpoint::Start(options->metrics_address);
  if (!metrics.ok()) return Fail(metrics.status());
  auto server = casework::session::SessionServer::Create(session_options, (*metrics)->registry());
  if (!server.ok()) return Fail(server.status());
  options->ready = (*server)->ready();
  // One audit entry per RPC, shipped to records on a channel of its own; flushed after the drain.
  auto audit = casework::AuditTrail::Start(records, (*metrics)->registry());
  if (!audit.ok()) return Fail(audit.status());
  options->audit_sink = (*audit)->sink();
  absl::Status served = casework::ServeUntilTerminated(*options, **metrics, (*server)->bindings());
  return served.ok() ? 0 : Fail(served);
}
