// Bearer-token authentication as a C-core auth metadata processor (see the header for why).
#include "libs/server/authenticating_credentials.h"

#include <grpc/grpc_security.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "libs/status/errors.h"

namespace casework {
namespace {

constexpr absl::string_view kHealthPrefix = "/grpc.health.v1.Health/";
constexpr absl::string_view kBearer = "Bearer ";

struct ProcessorState {
  std::shared_ptr<const auth::JwtVerifier> verifier;
  RejectionObserver on_rejected;
};

// The Principals of tokens the processor accepted, keyed by the token itself: a call's
// interceptors and handlers find their caller here instead of parsing the token again (the claims
// are parsed once per call, by the verification). Bounded; a miss only costs a parse.
class AcceptedTokens {
 public:
  static AcceptedTokens& Get() {
    static AcceptedTokens* tokens = new AcceptedTokens;
    return *tokens;
  }
  void Remember(absl::string_view token, const casework::v1::Principal& principal) {
    absl::MutexLock lock(&mu_);
    if (principals_.size() >= kCapacity && !principals_.contains(token)) principals_.clear();
    principals_.insert_or_assign(std::string(token), principal);
  }
  std::optional<casework::v1::Principal> Find(absl::string_view token) {
    absl::MutexLock lock(&mu_);
    auto found = principals_.find(token);
    if (found == principals_.end()) return std::nullopt;
    return found->second;
  }

 private:
  static constexpr size_t kCapacity = 4096;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, casework::v1::Principal> principals_ ABSL_GUARDED_BY(mu_);
};

absl::string_view SliceView(const grpc_slice& slice) {
  return absl::string_view(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slice)),
                           GRPC_SLICE_LENGTH(slice));
}

// Runs on a gRPC core thread for each incoming call; must not block (verification is CPU only).
void ProcessMetadata(void* state_ptr, grpc_auth_context* /*context*/, const grpc_metadata* md,
                     size_t num_md, grpc_process_auth_metadata_done_cb done, void* user_data) {
  const auto* state = static_cast<const ProcessorState*>(state_ptr);
  absl::string_view path;
  absl::string_view authorization;
  for (size_t i = 0; i < num_md; ++i) {
    absl::string_view key = SliceView(md[i].key);
    if (key == ":path") path = SliceView(md[i].value);
    if (key == "authorization") authorization = SliceView(md[i].value);
  }
  if (absl::StartsWith(path, kHealthPrefix)) {
    done(user_data, nullptr, 0, nullptr, 0, GRPC_STATUS_OK, nullptr);
    return;
  }
  absl::StatusOr<casework::v1::Principal> principal =
      authorization.empty() ? absl::StatusOr<casework::v1::Principal>(
                                  Error(absl::StatusCode::kUnauthenticated, "TOKEN_MISSING",
                                        "this call needs an authorization: Bearer <token> header"))
      : !absl::StartsWith(authorization, kBearer)
          ? absl::StatusOr<casework::v1::Principal>(
                Error(absl::StatusCode::kUnauthenticated, "TOKEN_MALFORMED",
                      "the authorization header must be 'Bearer <token>'"))
          : state->verifier->Verify(authorization.substr(kBearer.size()), absl::Now());
  if (!principal.ok()) {
    std::string reason = ErrorReason(principal.status());
    if (state->on_rejected) state->on_rejected(path, reason);
    std::string message = absl::StrCat(principal.status().message(), " (", reason, ")");
    done(user_data, nullptr, 0, nullptr, 0, GRPC_STATUS_UNAUTHENTICATED, message.c_str());
    return;
  }
  AcceptedTokens::Get().Remember(authorization.substr(kBearer.size()), *principal);
  // Nothing is attached to the auth context: in gRPC 1.51 it is the connection's, shared by every
  // call on the connection, so a property set here would leak one call's identity into the next.
  // Handlers read their own call's token instead (CallerPrincipal).
  done(user_data, nullptr, 0, nullptr, 0, GRPC_STATUS_OK, nullptr);
}

void DestroyState(void* state) { delete static_cast<ProcessorState*>(state); }

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

class AuthenticatingServerCredentials final : public grpc::ServerCredentials {
 public:
  explicit AuthenticatingServerCredentials(grpc_server_credentials* creds) : creds_(creds) {}
  ~AuthenticatingServerCredentials() override { grpc_server_credentials_release(creds_); }

  // The processor is fixed at construction; a second one would bypass token checks.
  void SetAuthMetadataProcessor(const std::shared_ptr<grpc::AuthMetadataProcessor>&) override {}

 private:
  int AddPortToServer(const std::string& addr, grpc_server* server) override {
    return grpc_server_add_http2_port(server, addr.c_str(), creds_);
  }

  grpc_server_credentials* creds_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeAuthenticatingCredentials(
    const TlsFiles& tls, std::shared_ptr<const auth::JwtVerifier> verifier,
    RejectionObserver on_rejected) {
  grpc_server_credentials* creds = nullptr;
  if (tls.cert_chain_file.empty()) {
    creds = grpc_insecure_server_credentials_create();
  } else {
    absl::StatusOr<std::string> cert = ReadFile(tls.cert_chain_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile(tls.private_key_file);
    if (!key.ok()) return key.status();
    grpc_ssl_pem_key_cert_pair pair{key->c_str(), cert->c_str()};
    creds = grpc_ssl_server_credentials_create_ex(
        nullptr, &pair, 1, GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE, nullptr);
    if (creds == nullptr) return absl::InvalidArgumentError("TLS certificate or key rejected");
  }
  auto* state = new ProcessorState{std::move(verifier), std::move(on_rejected)};
  grpc_server_credentials_set_auth_metadata_processor(
      creds, grpc_auth_metadata_processor{ProcessMetadata, DestroyState, state});
  return std::make_shared<AuthenticatingServerCredentials>(creds);
}

absl::StatusOr<casework::v1::Principal> CallerPrincipal(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return Error(absl::StatusCode::kUnauthenticated, "TOKEN_MISSING",
                 "the call is not authenticated");
  }
  absl::string_view header(it->second.data(), it->second.size());
  if (!absl::StartsWith(header, kBearer)) {
    return Error(absl::StatusCode::kUnauthenticated, "TOKEN_MALFORMED",
                 "the authorization header must be 'Bearer <token>'");
  }
  // The processor verified this very header before the call reached any handler, and remembered
  // what it found.
  const absl::string_view token = header.substr(kBearer.size());
  if (std::optional<casework::v1::Principal> known = AcceptedTokens::Get().Find(token)) {
    return *std::move(known);
  }
  return auth::PrincipalFromVerifiedToken(token);
}

}  // namespace casework
