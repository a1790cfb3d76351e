// Far below its limit an organisation's creates go on an estimate; near it, or with an old count,
// CreateCase counts exactly.
#include "services/records/domain/open_case_counts.h"

#include "gtest/gtest.h"

namespace casework::records {
namespace {

TEST(OpenCaseCountsTest, EstimatesOnlyFarBelowTheLimitAndOnlyWhileFresh) {
  OpenCaseCounts counts;
  const absl::Time now = absl::FromUnixSeconds(1'000'000);
  constexpr int64_t kLimit = 200'000;
  EXPECT_FALSE(counts.AdmitFarBelow("acme", kLimit, now).has_value()) << "never counted";
  counts.Counted("acme", 1'000, now);
  EXPECT_EQ(counts.AdmitFarBelow("acme", kLimit, now + absl::Seconds(1)), 1'000);
  EXPECT_EQ(counts.AdmitFarBelow("acme", kLimit, now + absl::Seconds(2)), 1'001);  // counts it
  EXPECT_FALSE(counts.AdmitFarBelow("acme", kLimit, now + absl::Seconds(11)).has_value())
      << "a count older than 10 s";
  EXPECT_FALSE(counts.AdmitFarBelow("other", kLimit, now).has_value());
  // Within the margin of the limit: always exact.
  counts.Counted("acme", kLimit - OpenCaseCounts::kExactMargin, now);
  EXPECT_FALSE(counts.AdmitFarBelow("acme", kLimit, now).has_value());
  counts.Counted("small", 0, now);
  EXPECT_FALSE(counts.AdmitFarBelow("small", 3, now).has_value());
}

}  // namespace
}  // namespace casework::records
