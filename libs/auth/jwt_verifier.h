// Verifies bearer tokens (JWT) and turns their claims into the caller's Principal.
//
// Checks, in order: three base64url segments; a header whose "alg" is one the configured key for
// its "kid" uses (so "none" and algorithm confusion are refused before any crypto); the signature;
// "exp" (required) and "nbf" with a small clock-skew allowance; "iss"; "aud" (string or array);
// claims "sub" and "org" present. Every failure is UNAUTHENTICATED with its own ErrorInfo reason;
// messages never contain the token or its claims' values.
#ifndef LIBS_AUTH_JWT_VERIFIER_H_
#define LIBS_AUTH_JWT_VERIFIER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casework/v1/principal.pb.h"
#include "libs/auth/signing_keys.h"

namespace casework::auth {

struct JwtVerifierOptions {
  std::string issuer;
  std::string audience;
  std::vector<JwtKey> keys;
  absl::Duration clock_skew = absl::Seconds(30);
};

// The Principal in a token's claims (sub, org, roles, teams), WITHOUT checking the token: only
// for a token that authentication already verified for the very same call (the server kit's
// handlers read the call's own authorization header after its auth processor accepted it).
absl::StatusOr<casework::v1::Principal> PrincipalFromVerifiedToken(absl::string_view token);

class JwtVerifier {
 public:
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> Create(JwtVerifierOptions options);

  absl::StatusOr<casework::v1::Principal> Verify(absl::string_view token, absl::Time now) const;

 private:
  explicit JwtVerifier(JwtVerifierOptions options) : options_(std::move(options)) {}
  const JwtKey* FindKey(absl::string_view key_id) const;

  JwtVerifierOptions options_;
};

}  // namespace casework::auth

#endif  // LIBS_AUTH_JWT_VERIFIER_H_
