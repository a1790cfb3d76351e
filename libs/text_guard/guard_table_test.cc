// The guard's table (testing/guard_cases.h) against the detector itself: every refused text is
// found with its kind, every passing text passes, and the table keeps its promised size.
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "libs/text_guard/identifying_information.h"
#include "libs/text_guard/testing/guard_cases.h"

namespace casework::text_guard {
namespace {

using testing::PassingTexts;
using testing::RefusedTexts;

TEST(GuardTable, CoversThreeLanguagesWithEnoughTexts) {
  std::set<std::string> refused_languages;
  std::set<std::string> passing_languages;
  for (const auto& row : RefusedTexts()) refused_languages.insert(row.language);
  for (const auto& row : PassingTexts()) passing_languages.insert(row.language);
  EXPECT_GE(RefusedTexts().size(), 60u);
  EXPECT_GE(PassingTexts().size(), 40u);
  EXPECT_EQ(refused_languages, (std::set<std::string>{"de", "en", "nl"}));
  EXPECT_EQ(passing_languages, (std::set<std::string>{"de", "en", "nl"}));
}

TEST(GuardTable, RefusesEveryIdentifyingTextWithItsKind) {
  for (const auto& row : RefusedTexts()) {
    SCOPED_TRACE(row.text);
    const auto kind = FindIdentifyingInformation(row.text);
    ASSERT_TRUE(kind.has_value());
    EXPECT_EQ(v1::IdentifyingInformationKind_Name(*kind),
              v1::IdentifyingInformationKind_Name(row.kind));
  }
}

TEST(GuardTable, PassesOrdinaryCaseworkProse) {
  for (const auto& row : PassingTexts()) {
    SCOPED_TRACE(row.text);
    const auto kind = FindIdentifyingInformation(row.text);
    EXPECT_FALSE(kind.has_value()) << v1::IdentifyingInformationKind_Name(*kind);
  }
}

}  // namespace
}  // namespace casework::text_guard
