// Token minting with libjwt.
#include "libs/auth/jwt_minter.h"

#include <jwt.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace casework::auth {
namespace {

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

}  // namespace

absl::StatusOr<std::string> MintToken(const casework::v1::Principal& principal,
                                      const TokenOptions& options, const JwtKey& key) {
  jwt_alg_t alg = jwt_str_alg(key.algorithm.c_str());
  if (alg != JWT_ALG_HS256 && alg != JWT_ALG_RS256 && alg != JWT_ALG_ES256) {
    return absl::InvalidArgumentError(absl::StrCat("cannot sign with ", key.algorithm));
  }
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  std::unique_ptr<jwt_t, JwtDeleter> jwt(raw);

  const int64_t iat = absl::ToUnixSeconds(options.issued_at);
  nlohmann::json claims = {
      {"sub", principal.subject()},
      {"org", principal.organization()},
      {"roles", std::vector<std::string>(principal.roles().begin(), principal.roles().end())},
      {"teams", std::vector<std::string>(principal.teams().begin(), principal.teams().end())},
      {"iss", options.issuer},
      {"aud", options.audience},
      {"iat", iat},
      {"nbf", iat},
      {"exp", iat + absl::ToInt64Seconds(options.lifetime)},
  };
  if (jwt_add_grants_json(jwt.get(), claims.dump().c_str()) != 0 ||
      (!key.key_id.empty() && jwt_add_header(jwt.get(), "kid", key.key_id.c_str()) != 0) ||
      jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char*>(key.material.data()),
                  static_cast<int>(key.material.size())) != 0) {
    return absl::InvalidArgumentError("cannot prepare the token (bad key?)");
  }
  char* encoded = jwt_encode_str(jwt.get());
  if (encoded == nullptr) return absl::InvalidArgumentError("cannot sign the token (bad key?)");
  std::string token(encoded);
  free(encoded);
  return token;
}

}  // namespace casework::auth
