// Shared service flags → ServerOptions.
#include "libs/server/server_flags.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/auth/signing_keys.h"
#include "libs/server/json_log.h"

ABSL_FLAG(std::string, grpc_address, "",
          "host:port to serve gRPC on (default 0.0.0.0 and the service's fixed port)");
ABSL_FLAG(std::string, metrics_address, "",
          "host:port of the Prometheus /metrics endpoint (default 0.0.0.0 and the service's "
          "fixed metrics port; 'off' disables it)");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM certificate chain; empty serves plaintext");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key for --tls_cert_file");
ABSL_FLAG(std::string, jwt_issuer, "casework-dev", "required 'iss' of bearer tokens");
ABSL_FLAG(std::string, jwt_audience, "casework", "required 'aud' of bearer tokens");
ABSL_FLAG(std::string, jwt_hs256_key_file, "",
          "shared HS256 secret for local development tokens (key id 'dev'); script/bootstrap "
          "writes one to .dev/jwt-hs256.key");
ABSL_FLAG(std::string, jwt_public_keys, "",
          "production verification keys as kid=path.pem,... (RSA → RS256, EC P-256 → ES256)");
ABSL_FLAG(std::string, quota_file, "",
          "JSON file of per-organisation quotas: {\"defaults\": {...}, \"organizations\": "
          "{\"<org>\": {...}}} (docs/OPERATIONS.md); empty: the built-in defaults");
ABSL_FLAG(absl::Duration, drain_delay, absl::ZeroDuration(),
          "on SIGTERM, time between health turning NOT_SERVING and the server's shutdown");
ABSL_FLAG(absl::Duration, drain_grace, absl::Seconds(10),
          "on SIGTERM, how long in-flight calls may finish before they are cancelled");
ABSL_FLAG(std::string, log_level, "info", "minimum log severity: debug, info, warning, error");

namespace casework {

absl::StatusOr<ServerOptions> ConfigureServerFromFlags(absl::string_view service_name,
                                                       int default_grpc_port,
                                                       int default_metrics_port) {
  if (absl::Status s = InitJsonLogging(service_name, absl::GetFlag(FLAGS_log_level)); !s.ok()) {
    return s;
  }
  ServerOptions options;
  options.service_name = std::string(service_name);
  options.grpc_address = absl::GetFlag(FLAGS_grpc_address);
  if (options.grpc_address.empty())
    options.grpc_address = absl::StrCat("0.0.0.0:", default_grpc_port);
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  if (options.metrics_address.empty()) {
    options.metrics_address = absl::StrCat("0.0.0.0:", default_metrics_port);
  } else if (options.metrics_address == "off") {
    options.metrics_address.clear();
  }
  options.tls = TlsFiles{absl::GetFlag(FLAGS_tls_cert_file), absl::GetFlag(FLAGS_tls_key_file)};
  if (options.tls.cert_chain_file.empty() != options.tls.private_key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file and --tls_key_file go together");
  }
  options.auth.issuer = absl::GetFlag(FLAGS_jwt_issuer);
  options.auth.audience = absl::GetFlag(FLAGS_jwt_audience);
  if (std::string path = absl::GetFlag(FLAGS_jwt_hs256_key_file); !path.empty()) {
    absl::StatusOr<auth::JwtKey> key = auth::LoadHs256Key(path, "dev");
    if (!key.ok()) return key.status();
    options.auth.keys.push_back(*std::move(key));
  }
  absl::StatusOr<std::vector<auth::JwtKey>> public_keys =
      auth::LoadPublicKeys(absl::GetFlag(FLAGS_jwt_public_keys));
  if (!public_keys.ok()) return public_keys.status();
  for (auth::JwtKey& key : *public_keys) options.auth.keys.push_back(std::move(key));
  if (options.auth.keys.empty()) {
    return absl::InvalidArgumentError(
        "no token verification key: pass --jwt_hs256_key_file or --jwt_public_keys");
  }
  options.drain_delay = absl::GetFlag(FLAGS_drain_delay);
  options.drain_grace = absl::GetFlag(FLAGS_drain_grace);
  return options;
}

absl::StatusOr<quota::QuotaPolicy> QuotaPolicyFromFlags() {
  return quota::QuotaPolicy::FromFile(absl::GetFlag(FLAGS_quota_file));
}

}  // namespace casework
