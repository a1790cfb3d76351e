// The quota of open watch streams per organisation and replica (quota::Quota::kWatchers, issue
// 19), over real gRPC with a private redis-server: an organisation at its limit has its next
// WatchSession or WatchOrganization stream refused RESOURCE_EXHAUSTED QUOTA_EXCEEDED before the
// member list is fetched, another organisation is not affected, another organisation's caller
// still gets NOT_FOUND for a session that is not theirs, a stream the client cancels frees its
// place, every way a stream ends gives its place back, and usage and refusals reach the bounded
// gauges. Then the counting itself (WatcherQuota) without a server.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/quota/quota_metrics.h"
#include "libs/quota/quota_policy.h"
#include "libs/server/grpc_status.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/status/errors.h"
#include "services/notification/watcher_quota.h"
#include "tests/kit_test_support.h"
#include "tests/notification/notification_test_support.h"

namespace casework::notification::testing {
namespace {

constexpr char kOrg[] = "organizations/acme";
constexpr char kOtherOrg[] = "organizations/other";
constexpr absl::Duration kPatience = absl::Seconds(10);
constexpr char kAcmeUsage[] =
    "casework_quota_usage_ratio{organization=\"acme\",quota=\"watchers\"}";
constexpr char kRefusals[] = "casework_quota_refusals_total{quota=\"watchers\"}";

quota::QuotaPolicy Policy(const std::string& json) {
  absl::StatusOr<quota::QuotaPolicy> policy = quota::QuotaPolicy::FromJson(json);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *std::move(policy) : quota::QuotaPolicy();
}

// acme may hold 3 streams, other 1; everyone else the built-in default.
std::unique_ptr<NotificationTestEnv> StartEnv() {
  NotificationServerOptions options;
  options.quota = Policy(R"({"organizations": {"acme": {"watchers": 3},
                                                "other": {"watchers": 1}}})");
  return NotificationTestEnv::Start(options);
}

// Waits (bounded) until the server counts `count` open streams of `organization`: a stream is
// counted from its handler on, and given back once gRPC is done with it, which may be just after
// its client saw the end.
bool WaitForOpen(NotificationTestEnv& env, const std::string& organization, int64_t count) {
  const absl::Time give_up = absl::Now() + kPatience;
  while (env.server().watchers().open(organization) != count) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(5));  // polling an observable counter, not timing
  }
  return true;
}

// Checks `status` is acme's watcher-quota refusal at `usage` of `limit`.
void ExpectWatcherRefusal(const grpc::Status& status, const std::string& organization,
                          int64_t usage, int64_t limit) {
  ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  const absl::Status refused = FromGrpcStatus(status);
  EXPECT_EQ(ErrorReason(refused), "QUOTA_EXCEEDED");
  EXPECT_EQ(ErrorMetadata(status, "quota"), "watchers");
  EXPECT_EQ(ErrorMetadata(status, "usage"), absl::StrCat(usage));
  EXPECT_EQ(ErrorMetadata(status, "limit"), absl::StrCat(limit));
  std::optional<google::rpc::QuotaFailure> failure = GetQuotaFailure(refused);
  ASSERT_TRUE(failure.has_value());
  ASSERT_EQ(failure->violations_size(), 1);
  EXPECT_EQ(failure->violations(0).subject(), absl::StrCat("organizations/", organization));
  std::optional<google::rpc::RetryInfo> retry = GetRetryInfo(refused);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->retry_delay().seconds(), 5);
}

TEST(WatcherQuota, AnOrganisationAtItsLimitIsRefusedUntilOneOfItsStreamsEnds) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  ASSERT_TRUE(session::testing::BalintLobby(h).ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  const int64_t start = AppendNotice(env->redis_client(), "start", "user:nobody");
  ASSERT_GT(start, 0);
  ASSERT_GT(AppendNotice(env->redis_client(), "to-f", "user:f"), start);
  const std::string before = env->Metrics();
  EXPECT_EQ(casework::testing::MetricValue(before, kRefusals), 0);

  // acme's three: two WatchSession streams and one WatchOrganization stream, each serving.
  auto first = std::make_unique<WatchClient>(env->stub(), TokenFor("m1"), kSession, 0);
  WatchClient second(env->stub(), TokenFor("m2"), kSession, 0);
  OrgWatchClient third(env->stub(), TokenFor("f"), kOrg, start);
  ASSERT_TRUE(first->WaitForFramesWithin(env->appended(), kPatience));
  ASSERT_TRUE(second.WaitForFramesWithin(env->appended(), kPatience));
  ASSERT_TRUE(third.WaitForFramesWithin(1, kPatience));
  EXPECT_EQ(env->server().watchers().open("acme"), 3);
  EXPECT_EQ(casework::testing::MetricValue(env->Metrics(), kAcmeUsage), 1);

  // The fourth, of either kind, ends at once without a frame. The WatchOrganization one claims a
  // team whose member list was never fetched: the refusal comes before any records call.
  const int64_t fetches = env->server().members().fetches();
  WatchClient fourth(env->stub(), TokenFor("m3"), kSession, 0);
  ExpectWatcherRefusal(fourth.Wait(), "acme", 3, 3);
  EXPECT_EQ(fourth.frame_count(), 0u);
  OrgWatchClient fourth_org(env->stub(), TokenFor("c1", "acme", {"caseworker"}, {"t2"}), kOrg, 0);
  ExpectWatcherRefusal(fourth_org.Wait(), "acme", 3, 3);
  EXPECT_EQ(fourth_org.frame_count(), 0u);
  EXPECT_EQ(env->server().members().fetches(), fetches);
  EXPECT_EQ(casework::testing::MetricValue(env->Metrics(), kRefusals), 2);
  EXPECT_EQ(env->server().watchers().open("acme"), 3);

  // Another organisation opens its stream (it claims no team: no member list to fetch).
  OrgWatchClient other(env->stub(), TokenFor("u", "other", {"caseworker"}, {}), kOtherOrg, 0);
  ASSERT_TRUE(WaitForOpen(*env, "other", 1));
  EXPECT_FALSE(other.WaitWithin(absl::ZeroDuration()).has_value());
  // At its own limit now, its caller still gets NOT_FOUND for acme's session and organisation,
  // exactly as before: whose the name is comes before the quota.
  const std::string outsider = TokenFor("u", "other");
  WatchClient foreign(env->stub(), outsider, kSession, 0);
  WatchClient missing(env->stub(), outsider, "organizations/acme/teams/t1/sessions/nope", 0);
  const grpc::Status foreign_status = foreign.Wait();
  const grpc::Status missing_status = missing.Wait();
  EXPECT_EQ(foreign_status.error_code(), grpc::StatusCode::NOT_FOUND)
      << foreign_status.error_message();
  EXPECT_EQ(foreign_status.error_message(), missing_status.error_message());
  EXPECT_EQ(foreign_status.error_details(), missing_status.error_details());
  OrgWatchClient foreign_org(env->stub(), outsider, kOrg, 0);
  const grpc::Status foreign_org_status = foreign_org.Wait();
  EXPECT_EQ(foreign_org_status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(foreign_org_status)), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(casework::testing::MetricValue(env->Metrics(), kRefusals), 2);

  // The client cancels one of acme's three: its place is given back, and a new stream opens.
  first->Cancel();
  EXPECT_EQ(first->Wait().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitForOpen(*env, "acme", 2));
  EXPECT_NEAR(casework::testing::MetricValue(env->Metrics(), kAcmeUsage), 2.0 / 3, 1e-9);
  WatchClient replacement(env->stub(), TokenFor("m3"), kSession, 0);
  ASSERT_TRUE(replacement.WaitForFramesWithin(env->appended(), kPatience));
  EXPECT_FALSE(replacement.WaitWithin(absl::ZeroDuration()).has_value());
  EXPECT_EQ(env->server().watchers().open("acme"), 3);
  EXPECT_EQ(casework::testing::MetricValue(env->Metrics(), kAcmeUsage), 1);
  EXPECT_EQ(casework::testing::MetricValue(env->Metrics(), kRefusals), 2);

  // The drain ends every stream and gives every place back.
  env->StopServer();
  EXPECT_EQ(second.Wait().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(other.Wait().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(WaitForOpen(*env, "acme", 0));
  EXPECT_TRUE(WaitForOpen(*env, "other", 0));
}

TEST(WatcherQuota, EveryEndGivesThePlaceBack) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  ASSERT_TRUE(session::testing::BalintLobby(h).ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  // Refused after admission, a records answer away: not on the member list (NOT_FOUND).
  for (int i = 0; i < 4; ++i) {
    WatchClient unlisted(env->stub(), TokenFor("x"), kSession, 0);
    EXPECT_EQ(unlisted.Wait().error_code(), grpc::StatusCode::NOT_FOUND);
    ASSERT_TRUE(WaitForOpen(*env, "acme", 0)) << "attempt " << i;
  }
  // Ended by the client after a frame, three at a time, three times over.
  for (int round = 0; round < 3; ++round) {
    std::vector<std::unique_ptr<WatchClient>> watchers;
    for (const char* subject : {"m1", "m2", "m3"}) {
      watchers.push_back(std::make_unique<WatchClient>(env->stub(), TokenFor(subject), kSession, 0,
                                                       /*stop_after=*/1));
    }
    for (auto& watcher : watchers) {
      EXPECT_EQ(watcher->Wait().error_code(), grpc::StatusCode::CANCELLED) << "round " << round;
      EXPECT_EQ(watcher->frame_count(), 1u);
    }
    ASSERT_TRUE(WaitForOpen(*env, "acme", 0)) << "round " << round;
  }
  // Ended by the server: OK after the session record is stored.
  {
    WatchClient watcher(env->stub(), TokenFor("m1"), kSession, 0);
    ASSERT_TRUE(watcher.WaitForFramesWithin(env->appended(), kPatience));
    ASSERT_TRUE(h.Start("f").ok());
    ASSERT_TRUE(h.End("f", "ended early in a test").ok());
    ASSERT_TRUE(h.MarkStored("organizations/acme/teams/t1/sessionRecords/r1").ok());
    ASSERT_TRUE(env->AppendNew(h).ok());
    EXPECT_TRUE(watcher.Wait().ok());
  }
  ASSERT_TRUE(WaitForOpen(*env, "acme", 0));
  EXPECT_EQ(casework::testing::MetricValue(env->Metrics(), kRefusals), 0);
  EXPECT_EQ(casework::testing::MetricValue(env->Metrics(), kAcmeUsage), 0);
}

// The counting alone.
TEST(WatcherQuotaCount, CountsExactlyAndExemptsServiceIdentities) {
  prometheus::Registry registry;
  quota::QuotaUsageGauges gauges(registry);
  WatcherQuota watchers(Policy(R"({"defaults": {"watchers": 2},
                                   "organizations": {"unlimited": {"watchers": 0}}})"),
                        gauges);
  absl::StatusOr<WatcherQuota::Lease> a = watchers.Admit("acme");
  absl::StatusOr<WatcherQuota::Lease> b = watchers.Admit("acme");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  absl::StatusOr<WatcherQuota::Lease> c = watchers.Admit("acme");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(c.status()));
  EXPECT_EQ(ErrorReason(c.status()), "QUOTA_EXCEEDED");
  EXPECT_EQ(watchers.open("acme"), 2);

  {  // a moved lease is released once, by its last holder
    WatcherQuota::Lease moved = *std::move(a);
    WatcherQuota::Lease again;
    again = std::move(moved);
    EXPECT_EQ(watchers.open("acme"), 2);
  }
  EXPECT_EQ(watchers.open("acme"), 1);
  ASSERT_TRUE(watchers.Admit("acme").ok());  // admitted, then released at once
  EXPECT_EQ(watchers.open("acme"), 1);
  *b = WatcherQuota::Lease();  // assigning over a lease releases it
  EXPECT_EQ(watchers.open("acme"), 0);

  // A service identity and an organisation without a limit are never refused.
  std::vector<WatcherQuota::Lease> held;
  for (int i = 0; i < 5; ++i) {
    for (const char* organization : {"*", "unlimited"}) {
      absl::StatusOr<WatcherQuota::Lease> lease = watchers.Admit(organization);
      ASSERT_TRUE(lease.ok()) << organization;
      held.push_back(*std::move(lease));
    }
  }
  EXPECT_EQ(watchers.open("*"), 0);
  EXPECT_EQ(watchers.open("unlimited"), 5);
  held.clear();
  EXPECT_EQ(watchers.open("unlimited"), 0);
}

}  // namespace
}  // namespace casework::notification::testing
