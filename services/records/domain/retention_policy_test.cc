// The retention policy's rules as tables: defaults filled in, each bound allowed exactly and
// refused one second beyond with the limit named, and nothing past its retention a moment early.
#include "services/records/domain/retention_policy.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/status/errors.h"
#include "services/records/domain/proto_time.h"

namespace casework::records {
namespace {

using casework::v1::RetentionPolicy;

constexpr absl::Duration kDay = absl::Hours(24);

TEST(RetentionPolicyTest, TheEffectivePolicyFillsWhatTheOrganisationLeftUnset) {
  const RetentionPolicy defaults = EffectivePolicy("o1", false, RetentionPolicy());
  EXPECT_EQ(defaults.name(), "organizations/o1/retentionPolicy");
  EXPECT_EQ(defaults.etag(), kDefaultPolicyEtag);
  EXPECT_EQ(FromProtoDuration(defaults.session_log_retention()), 30 * kDay);
  EXPECT_EQ(FromProtoDuration(defaults.closed_case_retention()), 2557 * kDay);
  EXPECT_EQ(FromProtoDuration(defaults.session_record_retention()), 1827 * kDay);

  RetentionPolicy stored;
  stored.set_etag("0-3");
  *stored.mutable_closed_case_retention() = ToProtoDuration(20 * 365 * kDay);
  const RetentionPolicy effective = EffectivePolicy("o1", true, stored);
  EXPECT_EQ(effective.etag(), "0-3");
  EXPECT_EQ(FromProtoDuration(effective.closed_case_retention()), 20 * 365 * kDay);
  EXPECT_EQ(FromProtoDuration(effective.session_record_retention()), 1827 * kDay);
  EXPECT_EQ(RetentionOf(stored, SessionRecordRule()), 1827 * kDay);
  EXPECT_EQ(RetentionOf(stored, ClosedCaseRule()), 20 * 365 * kDay);
}

TEST(RetentionPolicyTest, EachBoundIsAllowedExactlyAndRefusedBeyondNamingTheLimit) {
  struct Row {
    const char* field;
    absl::Duration value;
    const char* violation;  // "" when allowed
  };
  const Row rows[] = {
      {"session_log_retention", absl::Hours(1), ""},
      {"session_log_retention", absl::Hours(1) - absl::Seconds(1),
       "must be at least 1 hour (3600s)"},
      {"session_log_retention", 365 * kDay, ""},
      {"session_log_retention", 365 * kDay + absl::Seconds(1),
       "must be at most 365 days (31536000s)"},
      {"closed_case_retention", kDay, ""},
      {"closed_case_retention", kDay - absl::Seconds(1), "must be at least 1 day (86400s)"},
      {"closed_case_retention", absl::ZeroDuration(), "must be at least 1 day (86400s)"},
      {"closed_case_retention", -kDay, "must be at least 1 day (86400s)"},
      {"closed_case_retention", 36525 * kDay, ""},
      {"session_record_retention", 36525 * kDay + absl::Seconds(1),
       "must be at most 100 years (36525 days, 3155760000s)"},
      {"session_record_retention", kDay, ""},
  };
  for (const Row& row : rows) {
    RetentionPolicy policy;
    policy.GetReflection()
        ->MutableMessage(&policy, RetentionPolicy::descriptor()->FindFieldByName(row.field))
        ->CopyFrom(ToProtoDuration(row.value));
    Violations violations;
    CheckRetentionBounds(policy, "retention_policy", violations);
    const std::string where = absl::StrCat(row.field, " = ", absl::FormatDuration(row.value));
    if (std::string(row.violation).empty()) {
      EXPECT_TRUE(violations.empty()) << where;
      continue;
    }
    const auto bad_request = GetBadRequest(violations.ToStatus());
    ASSERT_TRUE(bad_request.has_value()) << where;
    ASSERT_EQ(bad_request->field_violations_size(), 1) << where;
    EXPECT_EQ(bad_request->field_violations(0).field(),
              absl::StrCat("retention_policy.", row.field));
    EXPECT_EQ(bad_request->field_violations(0).description(), row.violation) << where;
  }
}

TEST(RetentionPolicyTest, ADurationProtobufDoesNotAllowIsRefused) {
  RetentionPolicy policy;
  policy.mutable_closed_case_retention()->set_seconds(2 * 86400);
  policy.mutable_closed_case_retention()->set_nanos(-5);  // signs differ
  Violations violations;
  CheckRetentionBounds(policy, "retention_policy", violations);
  EXPECT_FALSE(violations.empty());
}

TEST(RetentionPolicyTest, NothingIsPastItsRetentionAMomentEarly) {
  const absl::Time start = absl::FromUnixSeconds(1700000000);
  EXPECT_FALSE(PastRetention(start, kDay, start + kDay - absl::Nanoseconds(1)));
  EXPECT_FALSE(PastRetention(start, kDay, start + kDay));
  EXPECT_TRUE(PastRetention(start, kDay, start + kDay + absl::Nanoseconds(1)));
}

}  // namespace
}  // namespace casework::records
