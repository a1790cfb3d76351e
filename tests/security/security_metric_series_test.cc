// S8: metric series stay bounded. Every service's /metrics is counted after a warm-up (1,000 cases,
// a few sessions) and again after 10,000 cases and 20 more sessions: the number of series must not
// change, and no label may carry a case, session or contribution id. Teams are labels of the
// records service's case-load gauges by design; the series one more team adds are reported.
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/kit_test_support.h"
#include "tests/security/security_world.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;

int SeriesCount(const std::string& exposition) {
  int count = 0;
  for (absl::string_view line : absl::StrSplit(exposition, '\n', absl::SkipEmpty())) {
    if (!absl::StartsWith(line, "#")) ++count;
  }
  return count;
}

struct Counts {
  int records = 0, session = 0, notification = 0;
};

// Waits until the records service has refreshed its case-load gauges after `after` (polling the
// metric it publishes for that, not a fixed sleep), then counts every service's series.
Counts CountAfterRefresh(SecurityStack& stack, absl::Time after) {
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    const double refreshed =
        MetricValue(stack.Metrics(stack.records()), "casework_case_load_refresh_timestamp_seconds");
    if (refreshed > absl::ToDoubleSeconds(after - absl::UnixEpoch())) break;
    absl::SleepFor(absl::Milliseconds(100));  // polling interval, not synchronisation
  }
  Counts counts;
  counts.records = SeriesCount(stack.Metrics(stack.records()));
  counts.session = SeriesCount(stack.Metrics(stack.session()));
  counts.notification = SeriesCount(stack.Metrics(stack.notification()));
  return counts;
}

int CreateCases(SecurityStack& stack, const std::string& prefix, int count) {
  std::atomic<int> failed{0};
  CreateCasesConcurrently(
      stack.records_stub(), SupervisorToken(), "organizations/o1/teams/t1", prefix, count, 64,
      [] { return true; },
      [&](int, const grpc::Status& status, const v1::Case&) {
        if (!status.ok()) ++failed;
      });
  return count - failed.load();
}

void CreateSessions(SecurityStack& stack, int count) {
  for (int i = 0; i < count; ++i) {
    SessionDriver s(&stack.session_stub());
    ASSERT_GRPC_OK(s.Create(kFacilitator, i % 2 == 0 ? "balint-consultation" : "intervision"));
    ASSERT_GRPC_OK(s.Join(kFacilitator));
    ASSERT_GRPC_OK(s.Join(kMember));
  }
}

void CreateTeams(SecurityStack& stack, const std::string& prefix, int count) {
  for (int i = 0; i < count; ++i) {
    v1::CreateTeamRequest request;
    request.set_parent("organizations/o1");
    request.set_team_id(absl::StrCat(prefix, "-", i));
    request.set_request_id(NewRequestId());
    request.mutable_team()->set_display_name(absl::StrCat("Team ", prefix, " ", i));
    v1::TeamMember* member = request.mutable_team()->add_members();
    member->set_subject(kSupervisor);
    member->add_roles(v1::TEAM_ROLE_SUPERVISOR);
    v1::Team team;
    ASSERT_GRPC_OK(Call(stack.records_stub(), &v1::RecordsService::Stub::CreateTeam, AdminToken(),
                        request, &team));
  }
}

TEST(SecurityMetricSeries, SeriesDoNotGrowWithCasesOrSessions) {
  const absl::Time began = absl::Now();
  SecurityStack::Options options;
  options.records_flags = {"--case_load_refresh=500ms"};
  auto stack = SecurityStack::Start(options);
  ASSERT_NE(stack, nullptr);
  SeedTeam(stack->records_stub(), kOrg);
  const int long_scale = getenv("CASEWORK_LONG") != nullptr ? 5 : 1;

  // Warm-up: every kind of call once, so lazily created series exist.
  ASSERT_EQ(CreateCases(*stack, "warm", 1000), 1000);
  CreateSessions(*stack, 2);
  if (HasFatalFailure()) return;
  const Counts warm = CountAfterRefresh(*stack, absl::Now());

  const int more_cases = 10000 * long_scale - 1000;
  const absl::Time cases_began = absl::Now();
  ASSERT_EQ(CreateCases(*stack, "bulk", more_cases), more_cases);
  const absl::Duration cases_took = absl::Now() - cases_began;
  CreateSessions(*stack, 20);
  if (HasFatalFailure()) return;
  const Counts bulk = CountAfterRefresh(*stack, absl::Now());

  CreateTeams(*stack, "extra", 10);
  if (HasFatalFailure()) return;
  const Counts teams = CountAfterRefresh(*stack, absl::Now());

  for (const ServiceProcess& service : stack->services()) {
    const std::string metrics = stack->Metrics(service);
    for (const char* id_part : {"/cases/", "/sessions/", "/contributions/", "warm-", "bulk-"}) {
      EXPECT_FALSE(absl::StrContains(metrics, id_part))
          << service.name << " exports a label with " << id_part;
    }
  }
  EXPECT_EQ(bulk.records, warm.records);
  EXPECT_EQ(bulk.session, warm.session);
  EXPECT_EQ(bulk.notification, warm.notification);
  EXPECT_EQ(teams.session, bulk.session);
  EXPECT_EQ(teams.notification, bulk.notification);
  std::printf(
      "FIGURE S8: series after 1,000 cases + 2 sessions -> after %d cases + 22 sessions: records "
      "%d -> %d, session %d -> %d, notification %d -> %d; 10 more teams: records +%d series "
      "(%.1f per team, the case-load gauges' team label), others +%d; %d cases in %.1f s "
      "(%.1f s total)\n",
      more_cases + 1000, warm.records, bulk.records, warm.session, bulk.session, warm.notification,
      bulk.notification, teams.records - bulk.records, (teams.records - bulk.records) / 10.0,
      (teams.session - bulk.session) + (teams.notification - bulk.notification), more_cases,
      absl::ToDoubleSeconds(cases_took), absl::ToDoubleSeconds(absl::Now() - began));
}

}  // namespace
}  // namespace casework::testing
