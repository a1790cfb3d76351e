// The quota policy file, the refusal's details, and the bounded usage gauges.
#include <prometheus/registry.h>

#include "gtest/gtest.h"
#include "libs/quota/quota_metrics.h"
#include "libs/quota/quota_policy.h"
#include "libs/status/errors.h"

namespace casework::quota {
namespace {

TEST(QuotaPolicyTest, DefaultsOverridesAndTheBuiltInOnes) {
  absl::StatusOr<QuotaPolicy> policy = QuotaPolicy::FromJson(R"({
      "defaults": {"open_sessions": 100, "sessions_per_hour": 50},
      "organizations": {"big": {"open_sessions": 5000}, "tiny": {"live_log_bytes": 1024}}})");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->For("any").Of(Quota::kOpenSessions), 100);
  EXPECT_EQ(policy->For("any").Of(Quota::kSessionsPerHour), 50);
  EXPECT_EQ(policy->For("any").Of(Quota::kOpenCases), QuotaLimits().Of(Quota::kOpenCases));
  EXPECT_EQ(policy->For("big").Of(Quota::kOpenSessions), 5000);
  EXPECT_EQ(policy->For("big").Of(Quota::kSessionsPerHour), 50);  // from the file's defaults
  EXPECT_EQ(policy->For("tiny").Of(Quota::kLiveLogBytes), 1024);
  EXPECT_EQ(QuotaPolicy::FromFile("")->For("x").Of(Quota::kWatchers),
            QuotaLimits().Of(Quota::kWatchers));
}

TEST(QuotaPolicyTest, AFileWithMistakesIsRefusedSayingWhere) {
  for (const auto& [json, says] : std::vector<std::pair<std::string, std::string>>{
           {"[]", "not a JSON object"},
           {"{\"default\": {}}", "unknown key \"default\""},
           {"{\"defaults\": {\"open_session\": 1}}", "unknown quota \"open_session\""},
           {"{\"defaults\": {\"open_sessions\": -1}}", "defaults.open_sessions"},
           {"{\"organizations\": {\"a\": {\"watchers\": \"many\"}}}", "organizations.a.watchers"},
       }) {
    absl::StatusOr<QuotaPolicy> policy = QuotaPolicy::FromJson(json);
    ASSERT_FALSE(policy.ok()) << json;
    EXPECT_NE(policy.status().message().find(says), std::string::npos) << policy.status();
  }
  EXPECT_FALSE(QuotaPolicy::FromFile("/nonexistent/quota.json").ok());
}

TEST(QuotaPolicyTest, TheRefusalNamesTheOrganisationTheLimitAndWhenToRetry) {
  absl::Status refused =
      QuotaRefusal(Quota::kSessionsPerHour, "acme", 600, 600, absl::Seconds(1200));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorReason(refused), "QUOTA_EXCEEDED");
  auto failure = GetQuotaFailure(refused);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->violations(0).subject(), "organizations/acme");
  EXPECT_EQ(failure->violations(0).description(), "at most 600 sessions created per hour");
  EXPECT_EQ(GetRetryInfo(refused)->retry_delay().seconds(), 1200);
  EXPECT_EQ(GetErrorInfo(refused)->metadata().at("quota"), "sessions_per_hour");
  EXPECT_FALSE(GetRetryInfo(QuotaRefusal(Quota::kOpenCases, "acme", 9, 9, absl::ZeroDuration()))
                   .has_value());
}

int SeriesOf(prometheus::Registry& registry, const std::string& name) {
  for (const auto& family : registry.Collect()) {
    if (family.name == name) return static_cast<int>(family.metric.size());
  }
  return 0;
}

TEST(QuotaUsageGaugesTest, SeriesStayBoundedAndKeepTheOrganisationsNearestALimit) {
  prometheus::Registry registry;
  absl::Time now = absl::FromUnixSeconds(1'000'000);
  QuotaUsageGauges gauges(registry, 3, [&] { return now; });
  for (int i = 0; i < 100; ++i) {
    gauges.Observe("org-" + std::to_string(i), Quota::kOpenSessions, i, 100);
  }
  EXPECT_EQ(gauges.organizations(), 3u);
  EXPECT_EQ(SeriesOf(registry, "casework_quota_usage_ratio"), 3);
  // The three nearest their limit are the ones shown.
  for (const auto& family : registry.Collect()) {
    if (family.name != "casework_quota_usage_ratio") continue;
    for (const auto& metric : family.metric) EXPECT_GE(metric.gauge.value, 0.97);
  }
  // A quiet organisation makes room after ten minutes.
  now += absl::Minutes(11);
  gauges.Observe("late", Quota::kWatchers, 1, 100);
  EXPECT_EQ(gauges.organizations(), 3u);
  EXPECT_EQ(SeriesOf(registry, "casework_quota_usage_ratio"), 3);
  gauges.Refused(Quota::kWatchers);
  EXPECT_EQ(SeriesOf(registry, "casework_quota_refusals_total"), kQuotaCount);
}

}  // namespace
}  // namespace casework::quota
