// Verifies bearer tokens (JWT) and turns their claims into the caller's Principal.
//
// Checks, in order: three base64url segments; a header whose "alg" is one the configured key for
// its "kid" uses (so "none" and algorithm confusion are refused before any crypto); the signature;
// "exp" (required) and "nbf" with a small clock-skew allowance; "iss"; "aud" (string or array);
// claims "sub" and "org" present. Every failure is UNAUTHENTICATED with its own ErrorInfo reason;
// messages never contain the token or its claims' values.
//
// A token the verifier accepted is remembered (bounded, by its exact bytes) with the window its
// times allow: the same bytes within that window are accepted again without the signature check
// and the JSON parse — a client sends one token with every call. The keys, issuer and audience are
// fixed for the verifier's life, so the same bytes always verify alike; only time changes the
// answer, and the window holds exactly the times the checks would pass.
#ifndef LIBS_AUTH_JWT_VERIFIER_H_
#define LIBS_AUTH_JWT_VERIFIER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
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

  // Accepted tokens remembered now (for tests).
  size_t remembered() const;

 private:
  struct Accepted {
    casework::v1::Principal principal;
    absl::Time valid_from;   // nbf - skew (or the infinite past)
    absl::Time valid_until;  // exp + skew, exclusive
  };
  static constexpr size_t kRemembered = 4096;

  explicit JwtVerifier(JwtVerifierOptions options) : options_(std::move(options)) {}
  const JwtKey* FindKey(absl::string_view key_id) const;
  absl::StatusOr<Accepted> VerifyFully(absl::string_view token, absl::Time now) const;

  JwtVerifierOptions options_;
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, Accepted> accepted_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casework::auth

#endif  // LIBS_AUTH_JWT_VERIFIER_H_
