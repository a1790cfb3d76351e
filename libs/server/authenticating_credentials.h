// Authentication of every RPC but health, in one place: server credentials (plaintext or TLS)
// whose metadata processor verifies `authorization: Bearer <JWT>` before a call reaches any
// handler. A rejected call ends UNAUTHENTICATED without running service code; handlers read
// the accepted caller's Principal from the call's own header with CallerPrincipal().
//
// Why a hand-made ServerCredentials: gRPC C++ 1.51 refuses SetAuthMetadataProcessor on
// InsecureServerCredentials (it asserts), while the C core runs processors for plaintext ports
// too. So this wraps the C credentials and installs the processor there. Revisit when gRPC C++
// supports processors on insecure credentials.
#ifndef LIBS_SERVER_AUTHENTICATING_CREDENTIALS_H_
#define LIBS_SERVER_AUTHENTICATING_CREDENTIALS_H_

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_context.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casework/v1/principal.pb.h"
#include "libs/auth/jwt_verifier.h"

namespace casework {

struct TlsFiles {
  std::string cert_chain_file;  // PEM; empty → plaintext
  std::string private_key_file;
};

// Called for every call refused for its token: the method path and the refusal's reason.
using RejectionObserver = std::function<void(absl::string_view method, absl::string_view reason)>;

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeAuthenticatingCredentials(
    const TlsFiles& tls, std::shared_ptr<const auth::JwtVerifier> verifier,
    RejectionObserver on_rejected);

// The caller of this call, from the claims of the call's own bearer token (which the processor
// verified before the handler ran). Not from the AuthContext: in gRPC 1.51 the processor's
// context belongs to the connection, shared by all its calls. UNAUTHENTICATED when the call
// carries no token (only health calls, which handlers never see).
absl::StatusOr<casework::v1::Principal> CallerPrincipal(const grpc::ServerContextBase& context);

}  // namespace casework

#endif  // LIBS_SERVER_AUTHENTICATING_CREDENTIALS_H_
