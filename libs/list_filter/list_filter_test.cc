// The AIP-160 subset: parsing, evaluation on messages, and the errors for what it does not accept.
#include "libs/list_filter/list_filter.h"

#include "casework/v1/action_item.pb.h"
#include "casework/v1/case.pb.h"
#include "gtest/gtest.h"
#include "libs/status/errors.h"

namespace casework {
namespace {

const std::vector<std::string> kItemFields = {"owner", "state", "overdue", "due_time", "case"};

casework::v1::ActionItem Item(const std::string& owner, casework::v1::ActionItemState state,
                              bool overdue, absl::Time due) {
  casework::v1::ActionItem item;
  item.set_owner(owner);
  item.set_state(state);
  item.set_overdue(overdue);
  item.mutable_due_time()->set_seconds(absl::ToUnixSeconds(due));
  return item;
}

TEST(ListFilterTest, ConjunctionsOfComparisonsOnEnumsStringsBoolsAndTimes) {
  const absl::Time june = absl::FromCivil(absl::CivilDay(2024, 6, 1), absl::UTCTimeZone());
  auto filter = ListFilter::Parse(
      "owner = \"u-17\" AND state = OPEN AND overdue = true AND due_time < "
      "\"2024-06-01T00:00:00Z\"",
      *casework::v1::ActionItem::descriptor(), kItemFields);
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_TRUE(filter->Matches(
      Item("u-17", casework::v1::ACTION_ITEM_STATE_OPEN, true, june - absl::Hours(1))));
  EXPECT_FALSE(filter->Matches(
      Item("u-17", casework::v1::ACTION_ITEM_STATE_OPEN, true, june + absl::Hours(1))));
  EXPECT_FALSE(filter->Matches(
      Item("u-18", casework::v1::ACTION_ITEM_STATE_OPEN, true, june - absl::Hours(1))));
  EXPECT_FALSE(filter->Matches(
      Item("u-17", casework::v1::ACTION_ITEM_STATE_DONE, true, june - absl::Hours(1))));
  EXPECT_EQ(filter->EqualityOn("owner"), "u-17");
  EXPECT_EQ(filter->EqualityOn("state"), "1");
  EXPECT_FALSE(filter->EqualityOn("due_time").has_value());
}

TEST(ListFilterTest, HasOperatorOnRepeatedEnumsAndFullEnumNames) {
  auto filter = ListFilter::Parse(
      "complexity_flags:COMPLEX_PROTECTION_ISSUE AND risk_level != RISK_LEVEL_LOW",
      *casework::v1::Case::descriptor(), {"complexity_flags", "risk_level"});
  ASSERT_TRUE(filter.ok()) << filter.status();
  casework::v1::Case c;
  c.set_risk_level(casework::v1::RISK_LEVEL_HIGH);
  EXPECT_FALSE(filter->Matches(c));
  c.add_complexity_flags(casework::v1::COMPLEXITY_FLAG_COMPLEX_PROTECTION_ISSUE);
  EXPECT_TRUE(filter->Matches(c));
  EXPECT_TRUE(ListFilter::Parse("", *casework::v1::Case::descriptor(), {})->Matches(c));
}

TEST(ListFilterTest, RefusesWhatItDoesNotUnderstand) {
  for (const char* text : {"owner", "owner = ", "owner = \"x", "reference = \"x\"", "state = SHUT",
                           "overdue = maybe", "owner = x OR state = OPEN", "owner = x AND",
                           "due_time < yesterday", "owner ! x", "state:OPEN"}) {
    auto filter = ListFilter::Parse(text, *casework::v1::ActionItem::descriptor(), kItemFields);
    EXPECT_FALSE(filter.ok()) << text;
    EXPECT_EQ(ErrorReason(filter.status()), "FIELD_INVALID") << text;
  }
}

}  // namespace
}  // namespace casework
