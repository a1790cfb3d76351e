// Mints signed bearer tokens: `caseworkctl token` for local development, tests and benchmarks.
#ifndef LIBS_AUTH_JWT_MINTER_H_
#define LIBS_AUTH_JWT_MINTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "casework/v1/principal.pb.h"
#include "libs/auth/signing_keys.h"

namespace casework::auth {

struct TokenOptions {
  std::string issuer;
  std::string audience;
  absl::Time issued_at;
  absl::Duration lifetime = absl::Hours(8);
};

// A JWT with claims sub, org, roles, teams, iss, aud, iat, nbf (= iat) and exp, signed with
// `key` (its material is the HS256 secret or a PEM private key).
absl::StatusOr<std::string> MintToken(const casework::v1::Principal& principal,
                                      const TokenOptions& options, const JwtKey& key);

}  // namespace casework::auth

#endif  // LIBS_AUTH_JWT_MINTER_H_
