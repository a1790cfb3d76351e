// The open-cases quota (quota::Quota::kOpenCases, issue 19) over a real channel and a real SQLite
// file: an organisation at its limit has its next CreateCase refused RESOURCE_EXHAUSTED
// QUOTA_EXCEEDED and nothing is stored but the call's audit entry; another organisation is not
// affected, and its caller still gets NOT_FOUND for the full organisation's team; closing a case
// frees a place; a retry of a create that succeeded still answers the original case; usage and
// refusals reach casework_quota_usage_ratio and casework_quota_refusals_total. Then concurrent
// creates over two replicas on one PostgreSQL database: exactly the limit's worth succeed.
#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/quota/quota_policy.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"
#include "libs/testing/postgres_server.h"
#include "libs/testing/process.h"
#include "tests/kit_test_support.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::RecordsService;

constexpr char kFullTeam[] = "organizations/o1/teams/t1";
constexpr char kOtherTeam[] = "organizations/o2/teams/t1";
constexpr char kO1Usage[] = "casework_quota_usage_ratio{organization=\"o1\",quota=\"open_cases\"}";
constexpr char kO2Usage[] = "casework_quota_usage_ratio{organization=\"o2\",quota=\"open_cases\"}";
constexpr char kRefusals[] = "casework_quota_refusals_total{quota=\"open_cases\"}";

casework::v1::CreateCaseRequest CaseRequest(const std::string& team, const std::string& id) {
  casework::v1::CreateCaseRequest request;
  request.set_parent(team);
  request.set_case_id(id);
  request.set_request_id(absl::StrCat("create-", id));
  request.mutable_case_()->set_reference(absl::StrCat("QUOTA-", id));
  request.mutable_case_()->set_risk_level(casework::v1::RISK_LEVEL_MEDIUM);
  request.mutable_case_()->set_caseworker(kCaseworker);
  return request;
}

class RecordsQuotaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<quota::QuotaPolicy> policy =
        quota::QuotaPolicy::FromJson(R"({"organizations": {"o1": {"open_cases": 3}}})");
    ASSERT_TRUE(policy.ok()) << policy.status();
    RecordsTestServer::Options options;
    options.with_metrics_endpoint = true;
    options.quotas = *std::move(policy);
    server_ = RecordsTestServer::Start(options);
    ASSERT_NE(server_, nullptr);
    SeedTeam(stub(), "o1");
    SeedTeam(stub(), "o2");
  }
  RecordsService::Stub& stub() { return server_->stub(); }

  grpc::Status Create(const casework::v1::CreateCaseRequest& request, casework::v1::Case* created,
                      const std::string& org = "o1") {
    return Call(stub(), &RecordsService::Stub::CreateCase, SupervisorToken(org), request, created);
  }
  double Metric(const std::string& series) {
    absl::StatusOr<std::string> text = HttpGet(server_->metrics_port(), "/metrics");
    EXPECT_TRUE(text.ok()) << text.status();
    return text.ok() ? MetricValue(*text, series) : -1;
  }
  int OpenCases(const std::string& org, const std::string& team) {
    casework::v1::ListCasesRequest list;
    list.set_parent(team);
    list.set_filter("status = OPEN");
    list.set_page_size(100);
    casework::v1::ListCasesResponse listed;
    grpc::Status status =
        Call(stub(), &RecordsService::Stub::ListCases, SupervisorToken(org), list, &listed);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return listed.cases_size();
  }

  std::unique_ptr<RecordsTestServer> server_;
};

TEST_F(RecordsQuotaTest, TheFourthOpenCaseIsRefusedUntilOneIsClosedAndRetriesStillAnswer) {
  // o1 may hold 3 open cases.
  casework::v1::Case first;
  ASSERT_TRUE(Create(CaseRequest(kFullTeam, "c1"), &first).ok());
  casework::v1::Case created;
  ASSERT_TRUE(Create(CaseRequest(kFullTeam, "c2"), &created).ok());
  EXPECT_NEAR(Metric(kO1Usage), 2.0 / 3, 1e-9);
  ASSERT_TRUE(Create(CaseRequest(kFullTeam, "c3"), &created).ok());
  EXPECT_EQ(Metric(kO1Usage), 1);
  EXPECT_EQ(Metric(kRefusals), 0);

  // The fourth: refused, naming the organisation and the limit, with no RetryInfo (waiting does
  // not free a place), and nothing stored — no case, no remembered request id.
  const int64_t remembered = CountSqliteRows(server_->database(), "idempotency_keys");
  const casework::v1::CreateCaseRequest fourth = CaseRequest(kFullTeam, "c4");
  grpc::Status status = Create(fourth, &created);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  const absl::Status refused = FromGrpcStatus(status);
  EXPECT_EQ(ErrorReason(refused), "QUOTA_EXCEEDED");
  std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(refused);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("quota"), "open_cases");
  EXPECT_EQ(info->metadata().at("limit"), "3");
  EXPECT_EQ(info->metadata().at("usage"), "3");
  std::optional<google::rpc::QuotaFailure> failure = GetQuotaFailure(refused);
  ASSERT_TRUE(failure.has_value());
  ASSERT_EQ(failure->violations_size(), 1);
  EXPECT_EQ(failure->violations(0).subject(), "organizations/o1");
  EXPECT_FALSE(GetRetryInfo(refused).has_value());
  EXPECT_EQ(OpenCases("o1", kFullTeam), 3);
  EXPECT_EQ(CountSqliteRows(server_->database(), "cases"), 3);
  EXPECT_EQ(CountSqliteRows(server_->database(), "idempotency_keys"), remembered);
  casework::v1::GetCaseRequest get;
  get.set_name(absl::StrCat(kFullTeam, "/cases/c4"));
  EXPECT_EQ(
      Call(stub(), &RecordsService::Stub::GetCase, SupervisorToken(), get, &created).error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Metric(kO1Usage), 1);
  EXPECT_EQ(Metric(kRefusals), 1);

  // The refused call is audited with its outcome, like every other refusal.
  casework::v1::ListAuditEntriesRequest audit;
  audit.set_parent("organizations/o1");
  audit.set_filter("outcome = RESOURCE_EXHAUSTED");
  casework::v1::ListAuditEntriesResponse entries;
  ASSERT_TRUE(
      Call(stub(), &RecordsService::Stub::ListAuditEntries, AuditorToken(), audit, &entries).ok());
  ASSERT_EQ(entries.audit_entries_size(), 1);
  EXPECT_EQ(entries.audit_entries(0).method(), "/casework.v1.RecordsService/CreateCase");
  EXPECT_EQ(entries.audit_entries(0).reason(), "QUOTA_EXCEEDED");

  // At the limit, what comes before the quota answers as before: an invalid request is
  // INVALID_ARGUMENT, and another organisation's caller does not learn the team exists.
  casework::v1::CreateCaseRequest invalid = CaseRequest(kFullTeam, "c5");
  invalid.mutable_case_()->clear_risk_level();
  EXPECT_EQ(Create(invalid, &created).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  status = Create(CaseRequest(kFullTeam, "c6"), &created, "o2");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Reason(status), "RESOURCE_NOT_FOUND");

  // A retry of a create that succeeded answers its stored response, not the quota error.
  casework::v1::Case retried;
  status = Create(CaseRequest(kFullTeam, "c1"), &retried);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(retried.name(), first.name());
  EXPECT_EQ(retried.create_time().seconds(), first.create_time().seconds());
  EXPECT_EQ(retried.etag(), first.etag());
  EXPECT_EQ(Metric(kRefusals), 1);

  // Another organisation, on the built-in default, is not affected.
  ASSERT_TRUE(Create(CaseRequest(kOtherTeam, "c1"), &created, "o2").ok());
  EXPECT_NEAR(Metric(kO2Usage), 1.0 / quota::QuotaLimits().Of(quota::Quota::kOpenCases), 1e-12);

  // Closing a case frees a place: the refused request, sent again with its request id (which
  // was not remembered), now creates its case; then o1 is full again.
  CloseCaseAsSupervisor(stub(), "o1", first.name());
  status = Create(fourth, &created);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(created.name(), absl::StrCat(kFullTeam, "/cases/c4"));
  EXPECT_EQ(OpenCases("o1", kFullTeam), 3);
  EXPECT_EQ(Metric(kO1Usage), 1);
  EXPECT_EQ(Create(CaseRequest(kFullTeam, "c7"), &created).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Metric(kRefusals), 2);
}

// The count and the insert are one SERIALIZABLE transaction: of two replicas' creates that both
// counted the last free place, PostgreSQL refuses one, the store runs it again, and it then
// counts the other's case. 200 creates at 32 in flight over both replicas: exactly 20 succeed,
// and each refusal is counted once, however often its unit ran.
TEST(RecordsQuotaReplicasTest, ConcurrentCreatesOverTwoPostgresReplicasNeverPassTheLimit) {
  constexpr int kLimit = 20;
  constexpr int kCalls = 200;
  auto database = PostgresServer::Start();
  ASSERT_TRUE(database.ok()) << database.status();
  ASSERT_TRUE((*database)->CreateDatabase("records").ok());
  absl::StatusOr<quota::QuotaPolicy> policy = quota::QuotaPolicy::FromJson(
      absl::StrCat(R"({"organizations": {"o1": {"open_cases": )", kLimit, "}}}"));
  ASSERT_TRUE(policy.ok()) << policy.status();
  RecordsTestServer::Options options;
  options.postgres_uri = (*database)->Uri("records");
  options.postgres_password = (*database)->password();
  options.with_metrics_endpoint = true;
  options.quotas = *policy;
  std::unique_ptr<RecordsTestServer> replicas[2] = {RecordsTestServer::Start(options),
                                                    RecordsTestServer::Start(options)};
  ASSERT_NE(replicas[0], nullptr);
  ASSERT_NE(replicas[1], nullptr);
  SeedTeam(replicas[0]->stub(), "o1");

  std::atomic<int> created{0}, refused{0}, unexpected{0};
  CreateCasesConcurrently(
      [&](int i) -> RecordsService::Stub& { return replicas[i % 2]->stub(); }, SupervisorToken(),
      kFullTeam, "P", kCalls, 32, [] { return true; },
      [&](int, const grpc::Status& status, const casework::v1::Case&) {
        if (status.ok()) {
          ++created;
        } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
                   Reason(status) == "QUOTA_EXCEEDED") {
          ++refused;
        } else {
          ++unexpected;
          ADD_FAILURE() << status.error_code() << " " << status.error_message();
        }
      });
  EXPECT_EQ(created.load(), kLimit);
  EXPECT_EQ(refused.load(), kCalls - kLimit);
  EXPECT_EQ(unexpected.load(), 0);

  casework::v1::ListCasesRequest list;
  list.set_parent(kFullTeam);
  list.set_page_size(100);
  casework::v1::ListCasesResponse listed;
  ASSERT_TRUE(
      Call(replicas[1]->stub(), &RecordsService::Stub::ListCases, SupervisorToken(), list, &listed)
          .ok());
  EXPECT_EQ(listed.cases_size(), kLimit);
  double refusals = 0;
  for (auto& replica : replicas) {
    absl::StatusOr<std::string> text = HttpGet(replica->metrics_port(), "/metrics");
    ASSERT_TRUE(text.ok()) << text.status();
    refusals += MetricValue(*text, kRefusals);
  }
  EXPECT_EQ(refusals, kCalls - kLimit);
}

}  // namespace
}  // namespace casework::testing
