// The retention purge's background loop: with nobody calling it, what the moved clock puts past an
// organisation's policy is gone after the next full pass (waited for by the loop's own pass count,
// not by sleeping), and casework_retention_purged_total{kind} counts it, every kind at zero before.
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/process.h"
#include "tests/kit_test_support.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

using Stub = v1::RecordsService::Stub;

constexpr char kTeam[] = "organizations/o1/teams/t1";
constexpr absl::Duration kDay = absl::Hours(24);

double Purged(RecordsTestServer& server, const std::string& kind) {
  absl::StatusOr<std::string> text = HttpGet(server.metrics_port(), "/metrics");
  EXPECT_TRUE(text.ok()) << text.status();
  return MetricValue(text.ok() ? *text : "",
                     absl::StrCat("casework_retention_purged_total{kind=\"", kind, "\"}"));
}

TEST(RecordsRetentionLoopTest, TheLoopPurgesOnItsOwnAndCountsWhatItDeleted) {
  RecordsTestServer::Options options;
  options.with_metrics_endpoint = true;
  options.retention_purge_interval = absl::Milliseconds(20);
  auto server = RecordsTestServer::Start(options);
  ASSERT_NE(server, nullptr);
  SeedRecordsWorld(server->stub(), "o1");
  SetRetention(server->stub(), "o1", kDay, kDay);
  const std::string case_name = absl::StrCat(kTeam, "/cases/c1");
  CloseCaseAsSupervisor(server->stub(), "o1", case_name);
  EXPECT_EQ(Purged(*server, "case"), 0);
  EXPECT_EQ(Purged(*server, "session_record"), 0);

  server->clock().Advance(kDay + absl::Seconds(1));
  // The pass under way may have read the clock before it moved; the one after it has not.
  RetentionPurge& purge = server->app().retention();
  ASSERT_TRUE(purge.AwaitLoopPasses(purge.loop_passes() + 2, absl::Seconds(60)));

  v1::GetCaseRequest get_case;
  get_case.set_name(case_name);
  v1::Case found_case;
  EXPECT_EQ(
      Call(server->stub(), &Stub::GetCase, SupervisorToken(), get_case, &found_case).error_code(),
      grpc::StatusCode::NOT_FOUND);
  v1::GetSessionRecordRequest get_record;
  get_record.set_name(absl::StrCat(kTeam, "/sessionRecords/s1"));
  v1::SessionRecord found_record;
  EXPECT_EQ(
      Call(server->stub(), &Stub::GetSessionRecord, SupervisorToken(), get_record, &found_record)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Purged(*server, "case"), 1);
  EXPECT_EQ(Purged(*server, "session_record"), 1);
}

}  // namespace
}  // namespace casework::testing
