// Key material for bearer tokens: loading verification keys from files, and generating key pairs
// (for script/bootstrap's dev key and for tests). Algorithms allowed: HS256 (local development,
// a shared secret), RS256 and ES256 (production, public keys only on the servers).
#ifndef LIBS_AUTH_SIGNING_KEYS_H_
#define LIBS_AUTH_SIGNING_KEYS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casework::auth {

// A key a token may be signed with. `material` is the HS256 secret, or a PEM key: the public key
// when verifying, the private key when signing.
struct JwtKey {
  std::string key_id;     // the token header's "kid"; "" matches tokens that carry no kid
  std::string algorithm;  // "HS256", "RS256" or "ES256"
  std::string material;
};

// The HS256 secret in `path` (surrounding whitespace ignored), with the given key id.
absl::StatusOr<JwtKey> LoadHs256Key(const std::string& path, absl::string_view key_id);

// A PEM public key; the algorithm follows from the key type (RSA → RS256, EC P-256 → ES256).
absl::StatusOr<JwtKey> LoadPublicKey(const std::string& path, absl::string_view key_id);

// Parses "kid=path,kid=path" (the --jwt_public_keys flag) into verification keys.
absl::StatusOr<std::vector<JwtKey>> LoadPublicKeys(absl::string_view spec);

// A fresh key pair as PEM strings; `algorithm` is "RS256" or "ES256".
struct PemKeyPair {
  std::string private_pem;
  std::string public_pem;
};
absl::StatusOr<PemKeyPair> GenerateKeyPair(absl::string_view algorithm);

}  // namespace casework::auth

#endif  // LIBS_AUTH_SIGNING_KEYS_H_
