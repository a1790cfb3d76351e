// Signed page tokens: round trip, and refusal of tampered, foreign or rebound tokens.
#include "services/records/domain/page_tokens.h"

#include "gtest/gtest.h"
#include "libs/status/errors.h"

namespace casework::records {
namespace {

// A toy MAC for the domain's tests; production uses HMAC-SHA256 (store/hmac_authenticator.h).
class XorAuthenticator final : public MessageAuthenticator {
 public:
  explicit XorAuthenticator(char key) : key_(key) {}
  std::string Sign(absl::string_view data) const override {
    std::string mac(8, key_);
    for (size_t i = 0; i < data.size(); ++i) mac[i % 8] = static_cast<char>(mac[i % 8] ^ data[i]);
    return mac;
  }

 private:
  char key_;
};

TEST(PageTokensTest, RoundTripsThePositionForTheSameRequest) {
  XorAuthenticator mac('k');
  PageTokens tokens(mac);
  Position position{42, "Team \n with | odd text", "organizations/o/teams/t"};
  const std::string token = tokens.Seal(position, "ListTeams|o|u|");
  auto opened = tokens.Open(token, "ListTeams|o|u|");
  ASSERT_TRUE(opened.ok()) << opened.status();
  ASSERT_TRUE(opened->has_value());
  EXPECT_EQ((*opened)->number, 42);
  EXPECT_EQ((*opened)->text, position.text);
  EXPECT_EQ((*opened)->name, position.name);
  EXPECT_FALSE(tokens.Open("", "anything")->has_value());
}

TEST(PageTokensTest, RefusesTamperedReboundAndForeignTokens) {
  XorAuthenticator mac('k');
  XorAuthenticator other('x');
  PageTokens tokens(mac);
  const std::string token = tokens.Seal({7, "", "n"}, "binding");
  std::string tampered = token;
  tampered[2] = tampered[2] == 'A' ? 'B' : 'A';
  for (const auto& [candidate, binding] : std::vector<std::pair<std::string, std::string>>{
           {tampered, "binding"},
           {token, "other binding"},
           {PageTokens(other).Seal({7, "", "n"}, "binding"), "binding"},
           {"garbage", "binding"}}) {
    auto opened = tokens.Open(candidate, binding);
    EXPECT_EQ(opened.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ErrorReason(opened.status()), "FIELD_INVALID");
  }
}

TEST(PageTokensTest, PageSizeDefaultsAndCoerces) {
  EXPECT_EQ(*EffectivePageSize(0), 50);
  EXPECT_EQ(*EffectivePageSize(7), 7);
  EXPECT_EQ(*EffectivePageSize(5000), 1000);
  EXPECT_FALSE(EffectivePageSize(-1).ok());
}

}  // namespace
}  // namespace casework::records
