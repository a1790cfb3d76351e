// Durability of the records binary: kill -9 while 10,000 CreateCase calls are in flight, restart
// on the same database, and retry every call with its original request_id. No acknowledged create
// may be missing, none may exist twice, the retries of acknowledged creates must answer the
// original case, and SQLite's integrity check must pass.
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/process.h"
#include "libs/testing/test_tokens.h"
#include "tests/kit_test_support.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

constexpr int kCases = 10000;
constexpr int kInFlight = 64;
constexpr char kTeam[] = "organizations/o1/teams/t1";

class RecordsBinary {
 public:
  RecordsBinary(const std::filesystem::path& dir) : dir_(dir) {
    std::ofstream(dir_ / "key") << GetTestKeys().hs256.material;
  }

  bool Start() {
    port_ = FreeTcpPort();
    auto process = ChildProcess::Start(
        {absl::StrCat(BinaryDir(), "/casework-records"),
         absl::StrCat("--grpc_address=127.0.0.1:", port_), "--metrics_address=off",
         absl::StrCat("--jwt_hs256_key_file=", (dir_ / "key").string()),
         absl::StrCat("--jwt_issuer=", kTestIssuer), absl::StrCat("--jwt_audience=", kTestAudience),
         absl::StrCat("--store=sqlite:", (dir_ / "records.db").string())},
        (dir_ / absl::StrCat("log-", ++starts_)).string());
    if (!process.ok()) return false;
    process_ = *std::move(process);
    channel_ = LoopbackChannel(port_);
    stub_ = casework::v1::RecordsService::NewStub(channel_);
    return WaitUntilServing(channel_, "", absl::Seconds(20));
  }

  ChildProcess& process() { return *process_; }
  casework::v1::RecordsService::Stub& stub() { return *stub_; }
  std::string database() const { return (dir_ / "records.db").string(); }

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  int starts_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<casework::v1::RecordsService::Stub> stub_;
};

struct DatabaseFacts {
  int cases = 0;
  int distinct_references = 0;
  std::set<std::string> names;
  std::string integrity;
};

DatabaseFacts ReadDatabase(const std::string& path) {
  DatabaseFacts facts;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  auto query = [&](const char* sql, const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK) << sql;
    while (sqlite3_step(statement) == SQLITE_ROW) row(statement);
    sqlite3_finalize(statement);
  };
  query("SELECT COUNT(*), COUNT(DISTINCT reference) FROM cases", [&](sqlite3_stmt* s) {
    facts.cases = sqlite3_column_int(s, 0);
    facts.distinct_references = sqlite3_column_int(s, 1);
  });
  query("SELECT name FROM cases", [&](sqlite3_stmt* s) {
    facts.names.insert(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  });
  query("PRAGMA integrity_check", [&](sqlite3_stmt* s) {
    facts.integrity += reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  });
  sqlite3_close(db);
  return facts;
}

TEST(RecordsCrashTest, KillDuringConcurrentCreatesLosesNothingAcknowledged) {
  TempDir dir;
  RecordsBinary binary(dir.path());
  ASSERT_TRUE(binary.Start());
  SeedTeam(binary.stub(), "o1");
  const std::string token = SupervisorToken();

  // Phase 1: 10,000 creates, 64 in flight; SIGKILL once a third are acknowledged.
  std::mutex mu;
  std::map<int, std::string> acknowledged;  // index → case name
  std::atomic<bool> killed{false};
  std::atomic<int> failed{0};
  const absl::Time started = absl::Now();
  CreateCasesConcurrently(
      binary.stub(), token, kTeam, "K", kCases, kInFlight, [&] { return !killed.load(); },
      [&](int i, const grpc::Status& status, const casework::v1::Case& created) {
        if (!status.ok()) {
          ++failed;
          return;
        }
        std::lock_guard<std::mutex> lock(mu);
        acknowledged[i] = created.name();
        if (acknowledged.size() == kCases / 3 && !killed.exchange(true)) {
          binary.process().Signal(SIGKILL);
        }
      });
  const absl::Duration elapsed = absl::Now() - started;
  ASSERT_TRUE(killed.load());
  ASSERT_TRUE(binary.process().WaitForExit(absl::Seconds(10)).has_value());
  const int acked = static_cast<int>(acknowledged.size());
  std::cout << acked << " creates acknowledged before kill -9 in " << elapsed << " ("
            << acked / absl::ToDoubleSeconds(elapsed) << " creates/s), " << failed.load()
            << " cut off\n";

  // Every acknowledged case survived the kill, once.
  DatabaseFacts after_kill = ReadDatabase(binary.database());
  EXPECT_EQ(after_kill.integrity, "ok");
  EXPECT_GE(after_kill.cases, acked);
  EXPECT_EQ(after_kill.cases, after_kill.distinct_references);
  int missing = 0;
  for (const auto& [i, name] : acknowledged) missing += after_kill.names.count(name) == 0;
  EXPECT_EQ(missing, 0);

  // Phase 2: restart and retry all 10,000 with their original request ids.
  ASSERT_TRUE(binary.Start());
  std::atomic<int> replay_mismatch{0};
  std::atomic<int> retry_failed{0};
  CreateCasesConcurrently(
      binary.stub(), token, kTeam, "K", kCases, kInFlight, [] { return true; },
      [&](int i, const grpc::Status& status, const casework::v1::Case& created) {
        if (!status.ok()) {
          ++retry_failed;
          return;
        }
        std::lock_guard<std::mutex> lock(mu);
        auto original = acknowledged.find(i);
        if (original != acknowledged.end() && original->second != created.name()) {
          ++replay_mismatch;
        }
      });
  EXPECT_EQ(retry_failed.load(), 0);
  EXPECT_EQ(replay_mismatch.load(), 0);
  binary.process().Signal(SIGTERM);
  ASSERT_TRUE(binary.process().WaitForExit(absl::Seconds(15)).has_value());

  DatabaseFacts final_facts = ReadDatabase(binary.database());
  EXPECT_EQ(final_facts.integrity, "ok");
  EXPECT_EQ(final_facts.cases, kCases);
  EXPECT_EQ(final_facts.distinct_references, kCases);
}

}  // namespace
}  // namespace casework::testing
