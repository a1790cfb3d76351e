// The identifying-information guard: what it refuses and what ordinary casework prose keeps.
#include "services/records/domain/text_guard.h"

#include "gtest/gtest.h"

namespace casework::records {
namespace {

using casework::v1::IdentifyingInformationKind;

TEST(TextGuardTest, RefusesContactDetailsIdNumbersAndBirthDates) {
  const std::pair<const char*, IdentifyingInformationKind> cases[] = {
      {"mother: jane.doe@example.org", v1::IDENTIFYING_INFORMATION_KIND_EMAIL_ADDRESS},
      {"call +31 6 1234 5678 after school", v1::IDENTIFYING_INFORMATION_KIND_PHONE_NUMBER},
      {"reachable on 06-12345678", v1::IDENTIFYING_INFORMATION_KIND_PHONE_NUMBER},
      {"BSN 123456782 on file", v1::IDENTIFYING_INFORMATION_KIND_ID_NUMBER},
      {"born 03.04.2012 in the north", v1::IDENTIFYING_INFORMATION_KIND_DATE_OF_BIRTH},
      {"DOB 2012-04-03", v1::IDENTIFYING_INFORMATION_KIND_DATE_OF_BIRTH},
  };
  for (const auto& [text, kind] : cases) {
    std::optional<IdentifyingInformationKind> found = FindIdentifyingInformation(text);
    ASSERT_TRUE(found.has_value()) << text;
    EXPECT_EQ(*found, kind) << text;
  }
}

TEST(TextGuardTest, KeepsOrdinaryCaseworkProse) {
  for (const char* text : {"Attendance improved to 4 days a week since the meeting on 2024-06-01.",
                           "Reference CP-2024-00417 discussed; next review in 6 weeks.",
                           "Client agreed @ the team meeting to try the plan.",
                           "Score moved from 3 to 7 of 10.", ""}) {
    EXPECT_FALSE(FindIdentifyingInformation(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace casework::records
