// JWT verification: header and claims parsed with nlohmann::json, signature checked by libjwt.
#include "libs/auth/jwt_verifier.h"

#include <jwt.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/status/errors.h"

namespace casework::auth {
namespace {

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

absl::Status Unauthenticated(absl::string_view reason, absl::string_view message) {
  return Error(absl::StatusCode::kUnauthenticated, reason, message);
}

absl::StatusOr<nlohmann::json> DecodeSegment(absl::string_view segment) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(segment, &raw)) {
    return Unauthenticated("TOKEN_MALFORMED", "token segment is not base64url");
  }
  nlohmann::json json = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Unauthenticated("TOKEN_MALFORMED", "token segment is not JSON");
  return json;
}

std::string StringClaim(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

absl::Status StringListClaim(const nlohmann::json& claims, const char* name,
                             google::protobuf::RepeatedPtrField<std::string>* out) {
  auto it = claims.find(name);
  if (it == claims.end()) return absl::OkStatus();
  if (!it->is_array()) {
    return Unauthenticated("TOKEN_CLAIMS_INVALID", absl::StrCat("claim ", name, " is not a list"));
  }
  for (const nlohmann::json& item : *it) {
    if (!item.is_string()) {
      return Unauthenticated("TOKEN_CLAIMS_INVALID",
                             absl::StrCat("claim ", name, " holds a non-string"));
    }
    out->Add(item.get<std::string>());
  }
  return absl::OkStatus();
}

bool AudienceMatches(const nlohmann::json& claims, const std::string& audience) {
  auto it = claims.find("aud");
  if (it == claims.end()) return false;
  if (it->is_string()) return it->get<std::string>() == audience;
  if (!it->is_array()) return false;
  for (const nlohmann::json& item : *it) {
    if (item.is_string() && item.get<std::string>() == audience) return true;
  }
  return false;
}

// The times the token may be used at, [valid_from, valid_until), or why it has none now.
struct Window {
  absl::Time valid_from = absl::InfinitePast();
  absl::Time valid_until = absl::InfinitePast();
};

absl::StatusOr<Window> CheckTimes(const nlohmann::json& claims, absl::Time now,
                                  absl::Duration skew) {
  Window window;
  auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number()) {
    return Unauthenticated("TOKEN_CLAIMS_INVALID", "token has no expiry (exp)");
  }
  window.valid_until = absl::FromUnixSeconds(exp->get<int64_t>()) + skew;
  if (now >= window.valid_until) return Unauthenticated("TOKEN_EXPIRED", "token has expired");
  auto nbf = claims.find("nbf");
  if (nbf != claims.end()) {
    if (!nbf->is_number()) return Unauthenticated("TOKEN_CLAIMS_INVALID", "nbf is not a number");
    window.valid_from = absl::FromUnixSeconds(nbf->get<int64_t>()) - skew;
    if (now < window.valid_from) {
      return Unauthenticated("TOKEN_NOT_YET_VALID", "token is not valid yet");
    }
  }
  return window;
}

absl::StatusOr<casework::v1::Principal> PrincipalFromClaimsJson(const nlohmann::json& claims) {
  casework::v1::Principal principal;
  principal.set_subject(StringClaim(claims, "sub"));
  principal.set_organization(StringClaim(claims, "org"));
  if (principal.subject().empty() || principal.organization().empty()) {
    return Unauthenticated("TOKEN_CLAIMS_INVALID", "token lacks the sub or org claim");
  }
  if (absl::Status s = StringListClaim(claims, "roles", principal.mutable_roles()); !s.ok()) {
    return s;
  }
  if (absl::Status s = StringListClaim(claims, "teams", principal.mutable_teams()); !s.ok()) {
    return s;
  }
  return principal;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::Create(JwtVerifierOptions options) {
  if (options.keys.empty()) return absl::InvalidArgumentError("no token verification key");
  if (options.issuer.empty() || options.audience.empty()) {
    return absl::InvalidArgumentError("token issuer and audience must be configured");
  }
  for (const JwtKey& key : options.keys) {
    if (key.algorithm != "HS256" && key.algorithm != "RS256" && key.algorithm != "ES256") {
      return absl::InvalidArgumentError(absl::StrCat("unsupported algorithm ", key.algorithm));
    }
  }
  return std::unique_ptr<JwtVerifier>(new JwtVerifier(std::move(options)));
}

const JwtKey* JwtVerifier::FindKey(absl::string_view key_id) const {
  for (const JwtKey& key : options_.keys) {
    if (key.key_id == key_id) return &key;
  }
  return nullptr;
}

absl::StatusOr<casework::v1::Principal> JwtVerifier::Verify(absl::string_view token,
                                                            absl::Time now) const {
  {
    absl::MutexLock lock(&mu_);
    auto found = accepted_.find(token);
    if (found != accepted_.end() && now >= found->second.valid_from &&
        now < found->second.valid_until) {
      return found->second.principal;
    }
  }
  absl::StatusOr<Accepted> accepted = VerifyFully(token, now);
  if (!accepted.ok()) return accepted.status();
  absl::MutexLock lock(&mu_);
  if (accepted_.size() >= kRemembered && !accepted_.contains(token)) accepted_.clear();
  return accepted_.insert_or_assign(std::string(token), *std::move(accepted))
      .first->second.principal;
}

size_t JwtVerifier::remembered() const {
  absl::MutexLock lock(&mu_);
  return accepted_.size();
}

absl::StatusOr<JwtVerifier::Accepted> JwtVerifier::VerifyFully(absl::string_view token,
                                                               absl::Time now) const {
  std::vector<absl::string_view> segments = absl::StrSplit(token, '.');
  if (segments.size() != 3 || segments[0].empty() || segments[1].empty()) {
    return Unauthenticated("TOKEN_MALFORMED", "bearer token is not a JWT");
  }
  absl::StatusOr<nlohmann::json> header = DecodeSegment(segments[0]);
  if (!header.ok()) return header.status();
  const JwtKey* key = FindKey(StringClaim(*header, "kid"));
  if (key == nullptr) return Unauthenticated("TOKEN_KEY_UNKNOWN", "token names an unknown key");
  if (StringClaim(*header, "alg") != key->algorithm) {
    return Unauthenticated("TOKEN_ALGORITHM_NOT_ALLOWED",
                           absl::StrCat("token must be signed with ", key->algorithm));
  }

  jwt_t* raw = nullptr;
  const std::string token_copy(token);
  int rc = jwt_decode(&raw, token_copy.c_str(),
                      reinterpret_cast<const unsigned char*>(key->material.data()),
                      static_cast<int>(key->material.size()));
  std::unique_ptr<jwt_t, JwtDeleter> decoded(raw);
  if (rc != 0 || decoded == nullptr ||
      jwt_get_alg(decoded.get()) != jwt_str_alg(key->algorithm.c_str())) {
    return Unauthenticated("TOKEN_SIGNATURE_INVALID", "token signature does not verify");
  }

  absl::StatusOr<nlohmann::json> claims = DecodeSegment(segments[1]);
  if (!claims.ok()) return claims.status();
  absl::StatusOr<Window> window = CheckTimes(*claims, now, options_.clock_skew);
  if (!window.ok()) return window.status();
  if (StringClaim(*claims, "iss") != options_.issuer) {
    return Unauthenticated("TOKEN_ISSUER_MISMATCH", "token was issued by another issuer");
  }
  if (!AudienceMatches(*claims, options_.audience)) {
    return Unauthenticated("TOKEN_AUDIENCE_MISMATCH", "token is meant for another audience");
  }
  absl::StatusOr<casework::v1::Principal> principal = PrincipalFromClaimsJson(*claims);
  if (!principal.ok()) return principal.status();
  return Accepted{*std::move(principal), window->valid_from, window->valid_until};
}

absl::StatusOr<casework::v1::Principal> PrincipalFromVerifiedToken(absl::string_view token) {
  std::vector<absl::string_view> segments = absl::StrSplit(token, '.');
  if (segments.size() != 3) return Unauthenticated("TOKEN_MALFORMED", "bearer token is not a JWT");
  absl::StatusOr<nlohmann::json> claims = DecodeSegment(segments[1]);
  if (!claims.ok()) return claims.status();
  return PrincipalFromClaimsJson(*claims);
}

}  // namespace casework::auth
