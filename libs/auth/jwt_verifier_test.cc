#include "libs/auth/jwt_verifier.h"

#include "casework/v1/errors.pb.h"
#include "gtest/gtest.h"
#include "libs/auth/jwt_minter.h"
#include "libs/status/errors.h"
#include "libs/testing/test_tokens.h"

namespace casework::auth {
namespace {

using ::casework::testing::BadTokens;
using ::casework::testing::GetTestKeys;
using ::casework::testing::GoodToken;
using ::casework::testing::MakePrincipal;

std::unique_ptr<JwtVerifier> MakeVerifier() {
  auto verifier = JwtVerifier::Create(GetTestKeys().verifier_options);
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return *std::move(verifier);
}

TEST(JwtVerifierTest, GoodTokenYieldsPrincipal) {
  auto principal = MakePrincipal("u-17", "org-a", {"facilitator", "member"}, {"team-1"});
  auto verified = MakeVerifier()->Verify(GoodToken(principal), absl::Now());
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->subject(), "u-17");
  EXPECT_EQ(verified->organization(), "org-a");
  ASSERT_EQ(verified->roles_size(), 2);
  EXPECT_EQ(verified->roles(1), "member");
  ASSERT_EQ(verified->teams_size(), 1);
  EXPECT_EQ(verified->teams(0), "team-1");
}

TEST(JwtVerifierTest, PublicKeyAlgorithmsVerify) {
  auto principal = MakePrincipal("svc-session", "org-a", {"service"});
  TokenOptions options{testing::kTestIssuer, testing::kTestAudience, absl::Now(), absl::Hours(1)};
  for (const JwtKey* key : {&GetTestKeys().rs256_private, &GetTestKeys().es256_private}) {
    auto token = MintToken(principal, options, *key);
    ASSERT_TRUE(token.ok()) << token.status();
    auto verified = MakeVerifier()->Verify(*token, absl::Now());
    EXPECT_TRUE(verified.ok()) << key->algorithm << ": " << verified.status();
  }
}

TEST(JwtVerifierTest, EveryBadTokenIsUnauthenticatedWithAReason) {
  auto principal = MakePrincipal("u-17", "org-a", {"member"});
  auto verifier = MakeVerifier();
  for (const auto& [name, token] : BadTokens(principal)) {
    auto verified = verifier->Verify(token, absl::Now());
    ASSERT_FALSE(verified.ok()) << name;
    EXPECT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated) << name;
    // Every reason is one the schema documents (casework.v1.ErrorReason).
    casework::v1::ErrorReason documented;
    EXPECT_TRUE(casework::v1::ErrorReason_Parse("ERROR_REASON_" + ErrorReason(verified.status()),
                                                &documented))
        << name << ": " << ErrorReason(verified.status());
    if (!token.empty()) {
      EXPECT_EQ(verified.status().message().find(token), absl::string_view::npos) << name;
    }
  }
}

TEST(JwtVerifierTest, SpecificReasons) {
  auto principal = MakePrincipal("u-17", "org-a", {"member"});
  auto verifier = MakeVerifier();
  std::map<std::string, std::string> expected = {
      {"expired", "TOKEN_EXPIRED"},
      {"not_yet_valid", "TOKEN_NOT_YET_VALID"},
      {"wrong_issuer", "TOKEN_ISSUER_MISMATCH"},
      {"wrong_audience", "TOKEN_AUDIENCE_MISMATCH"},
      {"alg_none", "TOKEN_ALGORITHM_NOT_ALLOWED"},
      {"bad_signature", "TOKEN_SIGNATURE_INVALID"},
      {"unknown_key", "TOKEN_KEY_UNKNOWN"},
      {"algorithm_confusion", "TOKEN_ALGORITHM_NOT_ALLOWED"},
      {"malformed", "TOKEN_MALFORMED"},
      {"missing_org", "TOKEN_CLAIMS_INVALID"},
  };
  for (const auto& [name, token] : BadTokens(principal)) {
    auto it = expected.find(name);
    if (it == expected.end()) continue;
    EXPECT_EQ(ErrorReason(verifier->Verify(token, absl::Now()).status()), it->second) << name;
  }
}

TEST(JwtVerifierTest, ClockSkewIsTolerated) {
  auto principal = MakePrincipal("u-17", "org-a", {"member"});
  auto verifier = MakeVerifier();
  std::string token = GoodToken(principal);
  EXPECT_TRUE(verifier->Verify(token, absl::Now() - absl::Seconds(20)).ok());
  EXPECT_FALSE(verifier->Verify(token, absl::Now() + absl::Hours(2)).ok());
}

// An accepted token is remembered, but only for the times its checks pass: later it is expired,
// earlier not yet valid, exactly as without the memory; other bytes are checked in full.
TEST(JwtVerifierTest, RemembersAnAcceptedTokenOnlyWithinItsWindow) {
  auto principal = MakePrincipal("u-17", "org-a", {"member"});
  auto verifier = MakeVerifier();
  const absl::Time now = absl::Now();
  TokenOptions options{testing::kTestIssuer, testing::kTestAudience, now, absl::Hours(1)};
  auto token = MintToken(principal, options, GetTestKeys().hs256);
  ASSERT_TRUE(token.ok()) << token.status();
  ASSERT_TRUE(verifier->Verify(*token, now).ok());
  EXPECT_EQ(verifier->remembered(), 1u);
  auto again = verifier->Verify(*token, now + absl::Minutes(59));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->subject(), "u-17");
  EXPECT_EQ(ErrorReason(verifier->Verify(*token, now + absl::Hours(2)).status()), "TOKEN_EXPIRED");
  EXPECT_EQ(ErrorReason(verifier->Verify(*token, now - absl::Hours(1)).status()),
            "TOKEN_NOT_YET_VALID");
  // One character of the signature changed: not the remembered bytes, so checked, and refused.
  std::string tampered = *token;
  char& changed = tampered[tampered.size() - 5];  // not the last: its low bits are padding
  changed = changed == 'A' ? 'B' : 'A';
  EXPECT_EQ(ErrorReason(verifier->Verify(tampered, now).status()), "TOKEN_SIGNATURE_INVALID");
  EXPECT_EQ(verifier->remembered(), 1u);
}

TEST(JwtVerifierTest, CreateRefusesIncompleteOptions) {
  EXPECT_FALSE(JwtVerifier::Create(JwtVerifierOptions{}).ok());
  JwtVerifierOptions options = GetTestKeys().verifier_options;
  options.keys.push_back(JwtKey{"x", "none", ""});
  EXPECT_FALSE(JwtVerifier::Create(options).ok());
}

}  // namespace
}  // namespace casework::auth
