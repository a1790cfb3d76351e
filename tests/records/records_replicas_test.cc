// Two records replicas on one PostgreSQL database (a private server,
// libs/testing/postgres_server.h):
//   - 8 threads spread over both doing etag-guarded read-modify-writes of one action item, each
//     reading through one replica and writing through the other: no update is lost;
//   - two casework-records processes taking 10,000 concurrent CreateCase calls, one killed with
//     SIGKILL a third of the way through; then every call is retried with its original request_id
//     over the survivor and the restarted replica. No acknowledged create may be missing, none
//     may exist twice, and the retries of acknowledged creates answer the original case.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/postgres_server.h"
#include "libs/testing/process.h"
#include "libs/testing/test_tokens.h"
#include "services/records/domain/proto_time.h"
#include "services/records/store/postgres_connection.h"
#include "tests/kit_test_support.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::RecordsService;

constexpr char kTeam[] = "organizations/o1/teams/t1";

std::unique_ptr<PostgresServer> StartDatabase() {
  auto server = PostgresServer::Start();
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return nullptr;
  absl::Status created = (*server)->CreateDatabase("records");
  EXPECT_TRUE(created.ok()) << created;
  return created.ok() ? *std::move(server) : nullptr;
}

// --store and --store_password_file: sqlite stays the default form; a PostgreSQL URI takes its
// password from the file, and a URI carrying one is refused without echoing it.
TEST(RecordsStoreFlagTest, SelectsTheStoreAndKeepsThePasswordOutOfTheUri) {
  TempDir dir;
  const std::string password_file = (dir.path() / "password").string();
  std::ofstream(password_file) << "s3cret-from-file\n";

  RecordsOptions sqlite;
  ASSERT_TRUE(ConfigureStore("sqlite:/tmp/records.db", "", sqlite).ok());
  EXPECT_EQ(sqlite.store.path, "/tmp/records.db");
  EXPECT_FALSE(sqlite.postgres.has_value());

  RecordsOptions postgres;
  ASSERT_TRUE(ConfigureStore("postgresql://casework@db:5432/casework?sslmode=require",
                             password_file, postgres)
                  .ok());
  ASSERT_TRUE(postgres.postgres.has_value());
  EXPECT_EQ(postgres.postgres->connection.conninfo,
            "postgresql://casework@db:5432/casework?sslmode=require");
  EXPECT_EQ(postgres.postgres->connection.password, "s3cret-from-file");

  RecordsOptions refused;
  for (const std::string spec : {"postgresql://casework:hunter2@db/casework",
                                 "postgresql://casework@db/casework?password=hunter2"}) {
    absl::Status status = ConfigureStore(spec, "", refused);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << spec;
    EXPECT_FALSE(absl::StrContains(status.ToString(), "hunter2")) << status;
  }
  EXPECT_EQ(ConfigureStore("mysql://db/casework", "", refused).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ConfigureStore("sqlite:", "", refused).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ConfigureStore("postgresql://casework@db/casework", (dir.path() / "none").string(), refused)
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(refused.postgres.has_value());
}

TEST(RecordsReplicasTest, EtagGuardedReadModifyWritesOverTwoReplicasLoseNoUpdate) {
  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 60;
  auto database = StartDatabase();
  ASSERT_NE(database, nullptr);
  RecordsTestServer::Options options;
  options.postgres_uri = database->Uri("records");
  options.postgres_password = database->password();
  std::unique_ptr<RecordsTestServer> replicas[2] = {RecordsTestServer::Start(options),
                                                    RecordsTestServer::Start(options)};
  ASSERT_NE(replicas[0], nullptr);
  ASSERT_NE(replicas[1], nullptr);
  SeedTeam(replicas[0]->stub(), "o1");
  casework::v1::CreateActionItemRequest create;
  create.set_parent(kTeam);
  create.set_action_item_id("counter");
  create.set_request_id(NewRequestId());
  create.mutable_action_item()->set_owner(kCaseworker);
  create.mutable_action_item()->set_owner_role(casework::v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
  create.mutable_action_item()->set_text("count 0");
  *create.mutable_action_item()->mutable_due_time() =
      records::ToProtoTime(absl::Now() + absl::Hours(24));
  casework::v1::ActionItem item;
  ASSERT_TRUE(Call(replicas[1]->stub(), &RecordsService::Stub::CreateActionItem, CaseworkerToken(),
                   create, &item)
                  .ok());

  std::atomic<int> applied{0}, refused{0}, unexpected{0};
  const std::string token = CaseworkerToken();
  const absl::Time started = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int mine = 0;
      for (int round = 0; mine < kWritesPerThread && unexpected.load() == 0; ++round) {
        // Read through one replica, write through the other.
        RecordsService::Stub& reader = replicas[(t + round) % 2]->stub();
        RecordsService::Stub& writer = replicas[(t + round + 1) % 2]->stub();
        casework::v1::GetActionItemRequest get;
        get.set_name(item.name());
        casework::v1::ActionItem current;
        if (!Call(reader, &RecordsService::Stub::GetActionItem, token, get, &current).ok()) {
          ++unexpected;
          return;
        }
        int count = 0;
        if (!absl::SimpleAtoi(current.text().substr(6), &count)) ++unexpected;
        casework::v1::UpdateActionItemRequest update;
        *update.mutable_action_item() = current;
        update.mutable_action_item()->set_text(absl::StrCat("count ", count + 1));
        update.mutable_update_mask()->add_paths("text");
        update.set_request_id(NewRequestId());
        casework::v1::ActionItem written;
        grpc::Status status =
            Call(writer, &RecordsService::Stub::UpdateActionItem, token, update, &written);
        if (status.ok()) {
          ++mine;
          ++applied;
        } else if (status.error_code() == grpc::StatusCode::ABORTED &&
                   Reason(status) == "ETAG_MISMATCH") {
          ++refused;
        } else {
          ADD_FAILURE() << status.error_code() << " " << status.error_message();
          ++unexpected;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const absl::Duration elapsed = absl::Now() - started;

  casework::v1::GetActionItemRequest get;
  get.set_name(item.name());
  for (auto& replica : replicas) {
    ASSERT_TRUE(
        Call(replica->stub(), &RecordsService::Stub::GetActionItem, token, get, &item).ok());
    EXPECT_EQ(item.text(), absl::StrCat("count ", kThreads * kWritesPerThread));
  }
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(applied.load(), kThreads * kWritesPerThread);
  EXPECT_GT(refused.load(), 0) << "the threads never raced";
  std::cout << "applied " << applied.load() << ", refused stale " << refused.load() << " in "
            << elapsed << " (" << replicas[0]->app().store_commits() << " + "
            << replicas[1]->app().store_commits() << " commits)\n";
}

CaseRows ReadDatabase(const PostgresServer& database) {
  CaseRows facts;
  records::PgConnectOptions options;
  options.conninfo = database.Uri("records");
  options.password = database.password();
  auto connection = records::PgConnection::Open(options);
  EXPECT_TRUE(connection.ok()) << connection.status();
  if (!connection.ok()) return facts;
  auto counts = (*connection)->Run("SELECT COUNT(*), COUNT(DISTINCT reference) FROM cases");
  EXPECT_TRUE(counts.ok()) << counts.status();
  if (counts.ok()) {
    facts.cases = counts->Int(0, 0);
    facts.distinct_references = counts->Int(0, 1);
  }
  auto names = (*connection)->Run("SELECT name FROM cases");
  EXPECT_TRUE(names.ok()) << names.status();
  for (int row = 0; names.ok() && row < names->size(); ++row) {
    facts.names.insert(names->Bytes(row, 0));
  }
  return facts;
}

TEST(RecordsReplicasTest, KillOfOneReplicaDuringConcurrentCreatesLosesNothingAcknowledged) {
  constexpr int kCases = 10000;
  constexpr int kInFlight = 64;
  auto database = StartDatabase();
  ASSERT_NE(database, nullptr);
  TempDir dir;
  const std::vector<std::string> password = {
      absl::StrCat("--store_password_file=", database->password_file())};
  RecordsProcess victim(dir.path(), "victim", database->Uri("records"), password),
      survivor(dir.path(), "survivor", database->Uri("records"), password);
  ASSERT_TRUE(victim.Start());
  ASSERT_TRUE(survivor.Start());
  SeedTeam(survivor.stub(), "o1");
  const std::string token = SupervisorToken();
  auto spread = [&](int i) -> RecordsService::Stub& {
    return i % 2 == 0 ? victim.stub() : survivor.stub();
  };

  // Phase 1: 10,000 creates over both replicas, 64 in flight; SIGKILL the victim once a third
  // are acknowledged. The calls keep coming: those sent to the victim now fail.
  std::mutex mu;
  std::map<int, std::string> acknowledged;  // index → case name
  std::atomic<bool> killed{false};
  std::atomic<int> failed{0};
  const absl::Time started = absl::Now();
  CreateCasesConcurrently(
      spread, token, kTeam, "K", kCases, kInFlight, [] { return true; },
      [&](int i, const grpc::Status& status, const casework::v1::Case& created) {
        if (!status.ok()) {
          ++failed;
          return;
        }
        std::lock_guard<std::mutex> lock(mu);
        acknowledged[i] = created.name();
        if (acknowledged.size() == kCases / 3 && !killed.exchange(true)) {
          victim.process().Signal(SIGKILL);
        }
      });
  const absl::Duration elapsed = absl::Now() - started;
  ASSERT_TRUE(killed.load());
  ASSERT_TRUE(victim.process().WaitForExit(absl::Seconds(10)).has_value());
  const int acked = static_cast<int>(acknowledged.size());
  std::cout << acked << " creates acknowledged over two replicas in " << elapsed << " ("
            << acked / absl::ToDoubleSeconds(elapsed) << " creates/s), " << failed.load()
            << " failed with the victim\n";
  EXPECT_GT(failed.load(), 0) << "the kill cut nothing off";

  // Every acknowledged case survived the kill, once.
  CaseRows after_kill = ReadDatabase(*database);
  EXPECT_GE(after_kill.cases, acked);
  EXPECT_EQ(after_kill.cases, after_kill.distinct_references);
  int missing = 0;
  for (const auto& [i, name] : acknowledged) missing += after_kill.names.count(name) == 0;
  EXPECT_EQ(missing, 0);

  // Phase 2: restart the victim and retry all 10,000 with their original request ids, spread
  // over both replicas again.
  ASSERT_TRUE(victim.Start());
  const CreateReplay replay =
      ReplayCreates(spread, token, kTeam, "K", kCases, kInFlight, acknowledged);
  EXPECT_EQ(replay.failed, 0);
  EXPECT_EQ(replay.mismatched, 0);
  for (RecordsProcess* replica : {&victim, &survivor}) {
    replica->process().Signal(SIGTERM);
    ASSERT_TRUE(replica->process().WaitForExit(absl::Seconds(15)).has_value());
  }

  CaseRows final_facts = ReadDatabase(*database);
  EXPECT_EQ(final_facts.cases, kCases);
  EXPECT_EQ(final_facts.distinct_references, kCases);
}

}  // namespace
}  // namespace casework::testing
