// The shared test key set and the bad-token matrix.
#include "libs/testing/test_tokens.h"

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "libs/auth/jwt_minter.h"

namespace casework::testing {
namespace {

std::string Mint(const casework::v1::Principal& principal, const auth::JwtKey& key,
                 auth::TokenOptions options) {
  absl::StatusOr<std::string> token = auth::MintToken(principal, options, key);
  if (!token.ok()) std::abort();
  return *std::move(token);
}

auth::TokenOptions Options(absl::Time issued_at = absl::Now(),
                           absl::Duration lifetime = absl::Hours(1)) {
  return auth::TokenOptions{kTestIssuer, kTestAudience, issued_at, lifetime};
}

}  // namespace

const TestKeys& GetTestKeys() {
  static const TestKeys* keys = [] {
    auto* k = new TestKeys;
    k->hs256 = auth::JwtKey{"dev", "HS256", std::string(48, 'k')};
    absl::StatusOr<auth::PemKeyPair> rsa = auth::GenerateKeyPair("RS256");
    absl::StatusOr<auth::PemKeyPair> ec = auth::GenerateKeyPair("ES256");
    if (!rsa.ok() || !ec.ok()) std::abort();
    k->rs256_private = auth::JwtKey{"rsa-1", "RS256", rsa->private_pem};
    k->es256_private = auth::JwtKey{"ec-1", "ES256", ec->private_pem};
    k->verifier_options.issuer = kTestIssuer;
    k->verifier_options.audience = kTestAudience;
    k->verifier_options.keys = {k->hs256, auth::JwtKey{"rsa-1", "RS256", rsa->public_pem},
                                auth::JwtKey{"ec-1", "ES256", ec->public_pem}};
    return k;
  }();
  return *keys;
}

casework::v1::Principal MakePrincipal(std::string subject, std::string organization,
                                      std::vector<std::string> roles,
                                      std::vector<std::string> teams) {
  casework::v1::Principal principal;
  principal.set_subject(std::move(subject));
  principal.set_organization(std::move(organization));
  for (std::string& role : roles) principal.add_roles(std::move(role));
  for (std::string& team : teams) principal.add_teams(std::move(team));
  return principal;
}

std::string GoodToken(const casework::v1::Principal& principal) {
  return Mint(principal, GetTestKeys().hs256, Options());
}

std::string UnsignedToken(const std::string& header_json, const std::string& claims_json,
                          const std::string& signature) {
  return absl::StrCat(absl::WebSafeBase64Escape(header_json), ".",
                      absl::WebSafeBase64Escape(claims_json), ".", signature);
}

std::vector<std::pair<std::string, std::string>> BadTokens(
    const casework::v1::Principal& principal) {
  const TestKeys& keys = GetTestKeys();
  const absl::Time now = absl::Now();
  auto with_claims = [&](auth::TokenOptions options) {
    return Mint(principal, keys.hs256, options);
  };
  std::string good = GoodToken(principal);
  std::string tampered = good;
  tampered[good.find('.') + 3] = tampered[good.find('.') + 3] == 'A' ? 'B' : 'A';

  auth::JwtKey unknown_kid = keys.hs256;
  unknown_kid.key_id = "retired";
  auth::JwtKey other_secret = keys.hs256;
  other_secret.material = std::string(48, 'x');
  // An HS256 token whose "secret" is the RSA public key: the classic algorithm-confusion attack.
  auth::JwtKey confused{"rsa-1", "HS256", keys.verifier_options.keys[1].material};

  const std::string claims =
      absl::StrCat(R"({"sub":")", principal.subject(), R"(","org":")", principal.organization(),
                   R"(","iss":")", kTestIssuer, R"(","aud":")", kTestAudience, R"(","exp":)",
                   absl::ToUnixSeconds(now + absl::Hours(1)), "}");
  return {
      {"empty", ""},
      {"malformed", "not-a-jwt"},
      {"garbage_segments", "e30.e30.e30"},
      {"expired", with_claims(Options(now - absl::Hours(2), absl::Hours(1)))},
      {"not_yet_valid", with_claims(Options(now + absl::Hours(1)))},
      {"wrong_issuer",
       Mint(principal, keys.hs256,
            auth::TokenOptions{"someone-else", kTestAudience, now, absl::Hours(1)})},
      {"wrong_audience", Mint(principal, keys.hs256,
                              auth::TokenOptions{kTestIssuer, "other-api", now, absl::Hours(1)})},
      {"alg_none", UnsignedToken(R"({"alg":"none","typ":"JWT","kid":"dev"})", claims)},
      {"alg_none_no_kid", UnsignedToken(R"({"alg":"none","typ":"JWT"})", claims)},
      {"bad_signature", tampered},
      {"wrong_secret", Mint(principal, other_secret, Options())},
      {"unknown_key", Mint(principal, unknown_kid, Options())},
      {"algorithm_confusion", Mint(principal, confused, Options())},
      {"missing_org", Mint(MakePrincipal(principal.subject(), "", {}), keys.hs256, Options())},
  };
}

}  // namespace casework::testing
