// Tokens for tests: a fixed test key set, good tokens, and each kind of bad token the verifier
// must refuse (the "token matrix" of the Foundation issue).
#ifndef LIBS_TESTING_TEST_TOKENS_H_
#define LIBS_TESTING_TEST_TOKENS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "casework/v1/principal.pb.h"
#include "libs/auth/jwt_verifier.h"
#include "libs/auth/signing_keys.h"

namespace casework::testing {

inline constexpr char kTestIssuer[] = "casework-test";
inline constexpr char kTestAudience[] = "casework";

// Signing keys (HS256 "dev", RS256 "rsa-1", ES256 "ec-1") generated once per process, and the
// matching verifier options (public halves only for RS256/ES256).
struct TestKeys {
  auth::JwtKey hs256;
  auth::JwtKey rs256_private;
  auth::JwtKey es256_private;
  auth::JwtVerifierOptions verifier_options;
};
const TestKeys& GetTestKeys();

casework::v1::Principal MakePrincipal(std::string subject, std::string organization,
                                      std::vector<std::string> roles,
                                      std::vector<std::string> teams = {});

// A valid HS256 token for `principal`, issued now for an hour.
std::string GoodToken(const casework::v1::Principal& principal);

// Every way a token can be bad, each with a name for test output. None of them may pass.
std::vector<std::pair<std::string, std::string>> BadTokens(
    const casework::v1::Principal& principal);

// Joins header and claims JSON into an unsigned "alg" token with an arbitrary signature segment.
std::string UnsignedToken(const std::string& header_json, const std::string& claims_json,
                          const std::string& signature = "");

}  // namespace casework::testing

#endif  // LIBS_TESTING_TEST_TOKENS_H_
