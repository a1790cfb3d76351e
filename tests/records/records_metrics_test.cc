// The case-load metrics: /metrics passes `promtool check metrics`, carries the counts of the
// store as refreshed by the collector, and its number of series does not grow with the number of
// cases (10,000 here) — no case or person appears in a label.
#include <atomic>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/process.h"
#include "tests/kit_test_support.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

constexpr char kTeam[] = "organizations/o1/teams/t1";

int SeriesCount(const std::string& exposition) {
  std::istringstream lines(exposition);
  int series = 0;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') ++series;
  }
  return series;
}

std::string Scrape(RecordsTestServer& server) {
  EXPECT_TRUE(server.app().metrics().RefreshNow().ok());
  absl::StatusOr<std::string> text = HttpGet(server.metrics_port(), "/metrics");
  EXPECT_TRUE(text.ok()) << text.status();
  CommandResult promtool = RunCommand("promtool check metrics", text.ok() ? *text : "");
  EXPECT_EQ(promtool.exit_code, 0) << promtool.output;
  return text.ok() ? *text : "";
}

TEST(RecordsMetricsTest, CaseLoadSeriesAreValidAndDoNotGrowWithCases) {
  RecordsTestServer::Options options;
  options.with_metrics_endpoint = true;
  auto server = RecordsTestServer::Start(options);
  ASSERT_NE(server, nullptr);
  SeedTeam(server->stub(), "o1");
  SeedCase(server->stub(), "o1", "FIRST");

  const std::string before = Scrape(*server);
  const std::string series =
      absl::StrCat("casework_open_cases{risk=\"medium\",team=\"", kTeam, "\"}");
  EXPECT_EQ(MetricValue(before, series), 1);
  EXPECT_EQ(MetricValue(before,
                        absl::StrCat("casework_cases_in_stage{stage=\"1\",team=\"", kTeam, "\"}")),
            1);
  EXPECT_EQ(MetricValue(before, absl::StrCat("casework_stagnating_cases{risk=\"high\",team=\"",
                                             kTeam, "\"}")),
            0);
  EXPECT_EQ(MetricValue(before, absl::StrCat("casework_action_items_overdue{owner_role=\"",
                                             "supervisor\",team=\"", kTeam, "\"}")),
            0);

  std::atomic<int> failed{0};
  CreateCasesConcurrently(
      server->stub(), SupervisorToken(), kTeam, "M", 10000, 64, [] { return true; },
      [&](int, const grpc::Status& status, const casework::v1::Case&) {
        if (!status.ok()) ++failed;
      });
  ASSERT_EQ(failed.load(), 0);

  const std::string after = Scrape(*server);
  EXPECT_EQ(SeriesCount(after), SeriesCount(before));
  double open = 0;
  for (const char* risk : {"low", "medium", "high"}) {
    open += MetricValue(
        after, absl::StrCat("casework_open_cases{risk=\"", risk, "\",team=\"", kTeam, "\"}"));
  }
  EXPECT_EQ(open, 10001);
  EXPECT_EQ(MetricValue(after,
                        absl::StrCat("casework_caseworker_open_cases_count{team=\"", kTeam, "\"}")),
            2);  // two caseworkers in the distribution
  EXPECT_EQ(after.find(kCaseworker), std::string::npos) << "a person in a label";
  EXPECT_EQ(after.find("/cases/"), std::string::npos) << "a case in a label";
}

}  // namespace
}  // namespace casework::testing
