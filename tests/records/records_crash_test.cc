// Durability of the records binary (fault suite D1): kill -9 while 10,000 CreateCase calls are in
// flight — once in the short form, 5 times with CASEWORK_LONG=1 — restarting on the same database
// after each kill and sending the calls again with their original request_ids. After every kill
// no acknowledged create may be missing, none may exist twice and SQLite's integrity check must
// pass; every retry of an acknowledged create must answer the original case; in the end exactly
// 10,000 cases exist.
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/figures.h"
#include "libs/testing/process.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

constexpr int kCases = 10000;
constexpr int kInFlight = 64;
constexpr char kTeam[] = "organizations/o1/teams/t1";

TEST(RecordsCrashTest, KillsDuringConcurrentCreatesLoseNothingAcknowledged) {
  const int kills = LongForm() ? 5 : 1;
  TempDir dir;
  const std::string database = (dir.path() / "records.db").string();
  RecordsProcess binary(dir.path(), "records", absl::StrCat("sqlite:", database));
  ASSERT_TRUE(binary.Start());
  SeedTeam(binary.stub(), "o1");
  const std::string token = SupervisorToken();
  auto stub = [&](int) -> casework::v1::RecordsService::Stub& { return binary.stub(); };

  std::mutex mu;
  std::map<int, std::string> acknowledged;  // index → case name of its first answer
  int lost = 0, duplicates = 0, integrity_failures = 0;
  std::atomic<int> changed_replies{0};
  for (int round = 1; round <= kills; ++round) {
    // Every call again (those acknowledged before are retries, which must answer the same case);
    // SIGKILL once this round's share of all creates is acknowledged.
    const size_t kill_at = static_cast<size_t>(kCases) * round / (kills + 1);
    std::atomic<bool> killed{false};
    std::atomic<int> cut_off{0};
    const absl::Time started = absl::Now();
    CreateCasesConcurrently(
        stub, token, kTeam, "K", kCases, kInFlight, [&] { return !killed.load(); },
        [&](int i, const grpc::Status& status, const casework::v1::Case& created) {
          if (!status.ok()) {
            ++cut_off;
            return;
          }
          std::lock_guard<std::mutex> lock(mu);
          auto [it, inserted] = acknowledged.emplace(i, created.name());
          if (!inserted && it->second != created.name()) ++changed_replies;
          if (acknowledged.size() >= kill_at && !killed.exchange(true)) {
            binary.process().Signal(SIGKILL);
          }
        });
    ASSERT_TRUE(killed.load()) << "round " << round;
    ASSERT_TRUE(binary.process().WaitForExit(absl::Seconds(10)).has_value());
    std::cout << "kill " << round << ": " << acknowledged.size() << " acknowledged after "
              << absl::Now() - started << ", " << cut_off.load() << " cut off\n";

    // Every acknowledged case survived the kill, once, in a sound database.
    const CaseRows rows = ReadSqliteCases(database);
    EXPECT_EQ(rows.integrity, "ok") << "after kill " << round;
    integrity_failures += rows.integrity != "ok";
    EXPECT_GE(rows.cases, static_cast<int64_t>(acknowledged.size()));
    EXPECT_EQ(rows.cases, rows.distinct_references) << "after kill " << round;
    duplicates += static_cast<int>(rows.cases - rows.distinct_references);
    int missing = 0;
    for (const auto& [i, name] : acknowledged) missing += rows.names.count(name) == 0;
    EXPECT_EQ(missing, 0) << "after kill " << round;
    lost += missing;
    ASSERT_TRUE(binary.Start());
  }

  // All 10,000 once more with their original request ids, then exactly 10,000 cases.
  const CreateReplay replay =
      ReplayCreates(stub, token, kTeam, "K", kCases, kInFlight, acknowledged);
  EXPECT_EQ(replay.failed, 0);
  EXPECT_EQ(replay.mismatched, 0);
  EXPECT_EQ(changed_replies.load(), 0);
  binary.process().Signal(SIGTERM);
  ASSERT_TRUE(binary.process().WaitForExit(absl::Seconds(15)).has_value());
  const CaseRows rows = ReadSqliteCases(database);
  EXPECT_EQ(rows.integrity, "ok");
  EXPECT_EQ(rows.cases, kCases);
  EXPECT_EQ(rows.distinct_references, kCases);
  PrintFigure("D1-records",
              absl::StrCat(kills, " kill -9 of casework-records during ", kCases,
                           " concurrent CreateCase (", kInFlight, " in flight, SQLite): ", lost,
                           " acknowledged lost, ", duplicates + (rows.cases - kCases),
                           " duplicates, ", replay.mismatched + changed_replies.load(),
                           " retries answered differently, integrity_check ",
                           integrity_failures == 0 && rows.integrity == "ok" ? "ok" : "FAILED",
                           " after every kill; ", rows.cases, " cases for ", kCases, " creates"));
}

}  // namespace
}  // namespace casework::testing
