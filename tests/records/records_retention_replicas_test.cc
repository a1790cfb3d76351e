// Two records replicas on one PostgreSQL database (a private server,
// libs/testing/postgres_server.h) run their retention purge at the same moment over the same
// backlog, in small rounds so they interleave: every closed case past the policy goes, each is
// deleted and audited exactly once (the two passes' counts add up to the backlog, one audit entry
// per case), and neither pass fails — a replica that reaches a case second finds it gone and
// deletes nothing. (The store's own test, postgres_record_store_test, forces two purges of one case
// into the same instant.)
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/postgres_server.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

using Stub = v1::RecordsService::Stub;

constexpr char kTeam[] = "organizations/o1/teams/t1";
constexpr absl::Duration kDay = absl::Hours(24);

TEST(RecordsRetentionReplicasTest, TwoReplicasPurgingTogetherDeleteAndAuditEachCaseOnce) {
  constexpr int kCases = 120;
  auto database = PostgresServer::Start();
  ASSERT_TRUE(database.ok()) << database.status();
  ASSERT_TRUE((*database)->CreateDatabase("records").ok());
  RecordsTestServer::Options options;
  options.postgres_uri = (*database)->Uri("records");
  options.postgres_password = (*database)->password();
  options.retention_purge_batch = 8;
  std::unique_ptr<RecordsTestServer> replicas[2] = {RecordsTestServer::Start(options),
                                                    RecordsTestServer::Start(options)};
  ASSERT_NE(replicas[0], nullptr);
  ASSERT_NE(replicas[1], nullptr);
  Stub& stub = replicas[0]->stub();
  SeedTeam(stub, "o1");
  for (int i = 0; i < kCases; ++i) {
    const v1::Case opened = SeedCase(stub, "o1", absl::StrCat("REF-", i));
    CloseCaseAsSupervisor(stub, "o1", opened.name());
  }
  SetRetention(stub, "o1", kDay, kDay);
  ASSERT_FALSE(HasFailure());
  for (auto& replica : replicas) replica->clock().Advance(kDay + absl::Seconds(1));

  absl::StatusOr<RetentionPurge::Pass> passes[2];
  {
    std::vector<std::thread> purging;
    for (int i = 0; i < 2; ++i) {
      purging.emplace_back([&, i] { passes[i] = replicas[i]->app().retention().PurgeNow(); });
    }
    for (std::thread& thread : purging) thread.join();
  }
  ASSERT_TRUE(passes[0].ok()) << passes[0].status();
  ASSERT_TRUE(passes[1].ok()) << passes[1].status();
  EXPECT_EQ(passes[0]->cases + passes[1]->cases, kCases);
  std::printf("retention purge of %d cases by two replicas at once: %lld + %lld deleted\n", kCases,
              static_cast<long long>(passes[0]->cases), static_cast<long long>(passes[1]->cases));

  v1::ListCasesRequest list_cases;
  list_cases.set_parent(kTeam);
  v1::ListCasesResponse cases;
  ASSERT_TRUE(Call(stub, &Stub::ListCases, SupervisorToken(), list_cases, &cases).ok());
  EXPECT_EQ(cases.cases_size(), 0);
  v1::ListAuditEntriesRequest list_audit;
  list_audit.set_parent("organizations/o1");
  list_audit.set_filter("method = \"retention-purge\"");
  list_audit.set_page_size(1000);
  v1::ListAuditEntriesResponse entries;
  ASSERT_TRUE(Call(stub, &Stub::ListAuditEntries, AuditorToken(), list_audit, &entries).ok());
  std::set<std::string> audited;
  for (const v1::AuditEntry& entry : entries.audit_entries()) audited.insert(entry.resource());
  EXPECT_EQ(entries.audit_entries_size(), kCases);
  EXPECT_EQ(audited.size(), static_cast<size_t>(kCases));
}

}  // namespace
}  // namespace casework::testing
