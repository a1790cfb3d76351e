// Issue 19, the session service's per-organisation quotas, over real gRPC on a private Redis: the
// append script checks and counts them atomically with the events (append_events.lua), so a
// refused command writes nothing; another organisation is not affected; ending a session frees
// its place; a retry of an applied request still answers its original outcome; usage and
// refusals reach the bounded gauges.
#include <hiredis/hiredis.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/quota/quota_policy.h"
#include "libs/server/grpc_status.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/errors.h"
#include "tests/kit_test_support.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::SessionService;

quota::QuotaPolicy Policy(const std::string& json) {
  absl::StatusOr<quota::QuotaPolicy> policy = quota::QuotaPolicy::FromJson(json);
  EXPECT_TRUE(policy.ok()) << policy.status();
  return policy.ok() ? *policy : quota::QuotaPolicy();
}

// A CreateSession of a Balint consultation in `org`'s team t1 by its facilitator, with the
// session id `request_id`.
grpc::Status Create(SessionService::Stub& stub, const std::string& org,
                    const std::string& request_id, casework::v1::Session* created) {
  casework::v1::CreateSessionRequest request;
  request.set_parent(absl::StrCat("organizations/", org, "/teams/t1"));
  request.set_request_id(request_id);
  request.set_session_id(request_id);  // a retry names the same session
  request.mutable_session()->set_protocol_id("balint-consultation");
  // The same for every call, so a retry sends the same request.
  static const absl::Time start = absl::Now() + absl::Hours(1);
  *request.mutable_session()->mutable_scheduled_start_time() = session::ToTimestamp(start);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + PersonToken(kFacilitator, org));
  return stub.CreateSession(&context, request, created);
}

// The refusal's quota, limit and retry delay, checked to be a QUOTA_EXCEEDED of `org`.
struct Refusal {
  std::string quota;
  std::string limit;
  absl::Duration retry = absl::ZeroDuration();
};
Refusal QuotaRefusalOf(const grpc::Status& status, const std::string& org) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  const absl::Status refused = FromGrpcStatus(status);
  EXPECT_EQ(ErrorReason(refused), "QUOTA_EXCEEDED");
  Refusal out;
  if (auto info = GetErrorInfo(refused); info.has_value()) {
    out.quota = info->metadata().count("quota") ? info->metadata().at("quota") : "";
    out.limit = info->metadata().count("limit") ? info->metadata().at("limit") : "";
  }
  auto failure = GetQuotaFailure(refused);
  EXPECT_TRUE(failure.has_value());
  if (failure.has_value()) {
    EXPECT_EQ(failure->violations(0).subject(), "organizations/" + org);
  }
  if (auto retry = GetRetryInfo(refused); retry.has_value()) {
    out.retry = absl::Seconds(retry->retry_delay().seconds()) +
                absl::Nanoseconds(retry->retry_delay().nanos());
  }
  return out;
}

// A series' value in `registry` with these labels (-1 when absent).
double Series(prometheus::Registry& registry, const std::string& name,
              const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      size_t matched = 0;
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        auto it = labels.find(label.name);
        if (it != labels.end() && it->second == label.value) ++matched;
      }
      if (matched != labels.size()) continue;
      return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                            : metric.gauge.value;
    }
  }
  return -1;
}

TEST(SessionQuotas, OpenSessionsAndSessionsPerHourAreCountedPerOrganisation) {
  SessionStack::Options options;
  options.quotas = Policy(R"({"organizations": {"o1": {"open_sessions": 2,
                                                       "sessions_per_hour": 3}}})");
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  SeedTeam(stack->records().stub(), "o2");
  SessionService::Stub& stub = stack->stub();

  casework::v1::Session first, second, refused;
  ASSERT_GRPC_OK(Create(stub, kOrg, "quota-1", &first));
  ASSERT_GRPC_OK(Create(stub, kOrg, "quota-2", &second));
  const grpc::Status third = Create(stub, kOrg, "quota-3", &refused);
  const Refusal open = QuotaRefusalOf(third, kOrg);
  EXPECT_EQ(open.quota, "open_sessions");
  EXPECT_EQ(open.limit, "2");
  EXPECT_EQ(open.retry, absl::ZeroDuration()) << "waiting does not free a session";

  // A retry of an applied create answers its original, whatever the quota says now.
  casework::v1::Session again;
  const grpc::Status retried = Create(stub, kOrg, "quota-1", &again);
  ASSERT_TRUE(retried.ok()) << retried.error_code() << " " << retried.error_message();
  EXPECT_EQ(again.name(), first.name());
  // Another organisation is not affected.
  for (int i = 0; i < 4; ++i) {
    casework::v1::Session other;
    ASSERT_GRPC_OK(Create(stub, "o2", absl::StrCat("other-", i), &other));
  }
  // Nothing of the refused create was written: two sessions in o1's team.
  casework::v1::ListSessionsRequest list;
  list.set_parent(kTeamName);
  casework::v1::ListSessionsResponse listed;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + PersonToken(kFacilitator));
    ASSERT_GRPC_OK(stub.ListSessions(&context, list, &listed));
  }
  EXPECT_EQ(listed.sessions_size(), 2);

  // Cancelling one frees its place: the third create of the hour passes.
  SessionDriver cancel(&stub);
  cancel.set_name(first.name());
  ASSERT_GRPC_OK(cancel.End(kFacilitator, "the group cannot meet"));
  casework::v1::Session third_created;
  ASSERT_GRPC_OK(Create(stub, kOrg, "quota-4", &third_created));
  // A fourth create in the hour is refused for the rate, and waiting helps.
  cancel.set_name(second.name());
  ASSERT_GRPC_OK(cancel.End(kFacilitator, "the group cannot meet"));
  const Refusal hourly = QuotaRefusalOf(Create(stub, kOrg, "quota-5", &refused), kOrg);
  EXPECT_EQ(hourly.quota, "sessions_per_hour");
  EXPECT_EQ(hourly.limit, "3");
  EXPECT_GT(hourly.retry, absl::ZeroDuration());
  EXPECT_LE(hourly.retry, absl::Hours(1));

  prometheus::Registry& metrics = stack->replica(0).metrics();
  EXPECT_DOUBLE_EQ(Series(metrics, "casework_quota_usage_ratio",
                          {{"organization", "o1"}, {"quota", "open_sessions"}}),
                   0.5);
  EXPECT_DOUBLE_EQ(Series(metrics, "casework_quota_usage_ratio",
                          {{"organization", "o1"}, {"quota", "sessions_per_hour"}}),
                   1.0);
  EXPECT_EQ(Series(metrics, "casework_quota_refusals_total", {{"quota", "open_sessions"}}), 1);
  EXPECT_EQ(Series(metrics, "casework_quota_refusals_total", {{"quota", "sessions_per_hour"}}), 1);
}

TEST(SessionQuotas, ContributionsPerMinuteRefuseOnlyContributions) {
  SessionStack::Options options;
  options.quotas = Policy(R"({"organizations": {"o1": {"contributions_per_minute": 5}}})");
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  SessionDriver s(&stack->stub());
  BalintInQuestions(s);  // the case owner's question is the first contribution
  if (HasFatalFailure()) return;
  const int64_t minute = absl::ToUnixSeconds(absl::Now()) / 60;
  int accepted = 1;
  grpc::Status refused;
  for (int i = 0; i < 12 && refused.ok(); ++i) {
    refused =
        s.Add(kMember, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, absl::StrCat("How ", i, "?"));
    if (refused.ok()) ++accepted;
  }
  ASSERT_FALSE(refused.ok()) << "12 contributions passed a limit of 5 a minute";
  const Refusal rate = QuotaRefusalOf(refused, kOrg);
  EXPECT_EQ(rate.quota, "contributions_per_minute");
  EXPECT_GT(rate.retry, absl::ZeroDuration());
  EXPECT_LE(rate.retry, absl::Minutes(1));
  // Within one clock minute exactly five pass (a minute boundary in between lets up to ten).
  if (absl::ToUnixSeconds(absl::Now()) / 60 == minute) {
    EXPECT_EQ(accepted, 5);
  }
  EXPECT_LE(accepted, 10);
  // What is not a contribution is never refused for a quota: the session goes on and can end.
  ASSERT_GRPC_OK(s.Advance(kFacilitator, "questions"));
  int contributions = 0;
  for (const v1::SessionEvent& event : s.Events(kFacilitator)) {
    contributions += event.has_contribution_added() ? 1 : 0;
  }
  EXPECT_EQ(contributions, accepted) << "a refused contribution was written";
}

TEST(SessionQuotas, LiveLogBytesBoundWhatAnOrganisationHoldsInRedis) {
  SessionStack::Options options;
  options.quotas = Policy(R"({"organizations": {"o1": {"live_log_bytes": 20000}}})");
  auto stack = SessionStack::Start(options);
  ASSERT_NE(stack, nullptr);
  grpc::Status status;
  int created = 0;
  for (int i = 0; i < 200 && status.ok(); ++i) {
    casework::v1::Session session;
    status = Create(stack->stub(), kOrg, absl::StrCat("bytes-", i), &session);
    if (status.ok()) ++created;
  }
  ASSERT_FALSE(status.ok()) << "200 sessions fit in 20,000 bytes";
  EXPECT_EQ(QuotaRefusalOf(status, kOrg).quota, "live_log_bytes");
  EXPECT_GT(created, 0);
  const double ratio = Series(stack->replica(0).metrics(), "casework_quota_usage_ratio",
                              {{"organization", "o1"}, {"quota", "live_log_bytes"}});
  EXPECT_GT(ratio, 0.5);
  EXPECT_LE(ratio, 1.0);
  // What Redis holds for them, against what the quota counts.
  int64_t counted = 0, held = 0;
  redisContext* redis = redisConnect("127.0.0.1", stack->redis().server->port());
  ASSERT_TRUE(redis != nullptr && redis->err == 0);
  auto* usage = static_cast<redisReply*>(redisCommand(redis, "HGET cw:o1:quota live_log_bytes"));
  if (usage != nullptr && usage->type == REDIS_REPLY_STRING) counted = std::atoll(usage->str);
  freeReplyObject(usage);
  std::string cursor = "0";
  do {
    auto* page = static_cast<redisReply*>(
        redisCommand(redis, "SCAN %s MATCH cw:o1:{* COUNT 1000", cursor.c_str()));
    ASSERT_TRUE(page != nullptr && page->type == REDIS_REPLY_ARRAY);
    cursor = page->element[0]->str;
    for (size_t i = 0; i < page->element[1]->elements; ++i) {
      auto* bytes = static_cast<redisReply*>(
          redisCommand(redis, "MEMORY USAGE %s SAMPLES 0", page->element[1]->element[i]->str));
      if (bytes != nullptr && bytes->type == REDIS_REPLY_INTEGER) held += bytes->integer;
      freeReplyObject(bytes);
    }
    freeReplyObject(page);
  } while (cursor != "0");
  redisFree(redis);
  EXPECT_GT(counted, 0);
  std::printf(
      "FIGURE T5-bytes: %d sessions created before the 20,000-byte live-log quota "
      "refused the next; usage %.0f %% of the limit; Redis holds %lld bytes for the "
      "%lld counted (%.1f x)\n",
      created, ratio * 100, static_cast<long long>(held), static_cast<long long>(counted),
      counted > 0 ? static_cast<double>(held) / static_cast<double>(counted) : 0.0);
}

}  // namespace
}  // namespace casework::testing
