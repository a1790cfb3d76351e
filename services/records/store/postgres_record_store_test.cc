// The PostgreSQL store on a private server (libs/testing/postgres_server.h): the conformance
// suite, plus what is PostgreSQL's own — migrations under the advisory lock, the append-only
// audit table, serializable transactions
// retried across two stores on one database, and the password kept out of connection strings and
// messages.
#include "services/records/store/postgres_record_store.h"

#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "casework/v1/team.pb.h"
#include "gtest/gtest.h"
#include "libs/status/errors.h"
#include "services/records/store/postgres_migrations.h"
#include "services/records/store/postgres_test_database.h"
#include "services/records/store/record_store_conformance.h"

namespace casework::records {
namespace {

using pgtest::Connect;
using pgtest::NewDatabase;
using pgtest::OptionsFor;
using pgtest::Server;

class PostgresDatabase final : public StoreUnderTest {
 public:
  PostgresDatabase() : name_(Server() != nullptr ? NewDatabase() : "") {}

  std::unique_ptr<RecordStore> Open(const Clock& clock) override {
    if (Server() == nullptr) return nullptr;
    auto store = PostgresRecordStore::Open(OptionsFor(name_), clock);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::unique_ptr<RecordStore>(std::move(*store)) : nullptr;
  }

 private:
  std::string name_;
};

std::unique_ptr<StoreUnderTest> MakePostgresDatabase() {
  return std::make_unique<PostgresDatabase>();
}

INSTANTIATE_TEST_SUITE_P(Postgres, RecordStoreConformanceTest,
                         ::testing::Values(&MakePostgresDatabase),
                         [](const auto&) { return std::string("PostgreSQL"); });

absl::StatusOr<std::string> RunWrite(RecordStore& store, WriteWork work) {
  absl::Notification done;
  absl::StatusOr<std::string> result;
  WriteUnit unit;
  unit.idempotency = {"o", "caller", ""};
  unit.work = std::move(work);
  store.Write(std::move(unit), [&](absl::StatusOr<std::string> r) {
    result = std::move(r);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

casework::v1::Team Team(const std::string& id, const std::string& display_name) {
  casework::v1::Team team;
  team.set_name(absl::StrCat("organizations/o/teams/", id));
  team.set_display_name(display_name);
  team.set_etag("e0");
  return team;
}

TEST(PostgresRecordStoreTest, ReplicasStartingTogetherApplyTheMigrationsOnce) {
  ASSERT_NE(Server(), nullptr);
  const std::string database = NewDatabase();
  FakeClock clock(absl::Now());
  constexpr int kReplicas = 4;
  std::vector<std::thread> starts;
  std::atomic<int> opened{0};
  for (int i = 0; i < kReplicas; ++i) {
    starts.emplace_back([&] {
      auto store = PostgresRecordStore::Open(OptionsFor(database), clock);
      EXPECT_TRUE(store.ok()) << store.status();
      if (store.ok()) ++opened;
    });
  }
  for (std::thread& start : starts) start.join();
  EXPECT_EQ(opened.load(), kReplicas);
  auto connection = Connect(database);
  ASSERT_NE(connection, nullptr);
  auto rows = connection->Run("SELECT COUNT(*), MAX(version) FROM schema_migrations");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->Int(0, 0), static_cast<int64_t>(EmbeddedPostgresMigrations().size()));
  EXPECT_EQ(rows->Int(0, 1), EmbeddedPostgresMigrations().back().version);
}

TEST(PostgresRecordStoreTest, RefusesADatabaseFromANewerBinary) {
  ASSERT_NE(Server(), nullptr);
  const std::string database = NewDatabase();
  FakeClock clock(absl::Now());
  ASSERT_TRUE(PostgresRecordStore::Open(OptionsFor(database), clock).ok());
  auto connection = Connect(database);
  ASSERT_NE(connection, nullptr);
  ASSERT_TRUE(connection
                  ->Exec("INSERT INTO schema_migrations (version, name, apply_time) VALUES "
                         "(9999, 'future', 0)")
                  .ok());
  EXPECT_EQ(PostgresRecordStore::Open(OptionsFor(database), clock).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(PostgresRecordStoreTest, AuditEntriesCannotBeChangedOrDeletedEvenWithSql) {
  ASSERT_NE(Server(), nullptr);
  const std::string database = NewDatabase();
  FakeClock clock(absl::Now());
  {
    auto store = PostgresRecordStore::Open(OptionsFor(database), clock);
    ASSERT_TRUE(store.ok()) << store.status();
    casework::v1::AuditEntry entry;
    entry.set_organization("o");
    entry.set_actor("u");
    absl::Notification done;
    (*store)->Read([](RecordReader&) -> absl::StatusOr<std::string> { return std::string(); },
                   entry, [&](absl::StatusOr<std::string>) { done.Notify(); });
    done.WaitForNotification();
  }
  auto connection = Connect(database);
  ASSERT_NE(connection, nullptr);
  EXPECT_FALSE(connection->Exec("UPDATE audit_entries SET organization = 'x'").ok());
  EXPECT_FALSE(connection->Exec("DELETE FROM audit_entries").ok());
  EXPECT_FALSE(connection->Exec("TRUNCATE audit_entries").ok());
  auto rows = connection->Run("SELECT COUNT(*) FROM audit_entries WHERE organization = 'o'");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int(0, 0), 1);
}

// Write skew, the anomaly snapshot isolation allows: each unit reads one team and, seeing it off
// call, puts the other on call. Both read before either writes (they wait for each other on their
// first run). Serially only one team can end up on call; SERIALIZABLE must refuse one of the
// two transactions and its retry must see the other's write.
TEST(PostgresRecordStoreTest, TwoStoresOnOneDatabaseRunUnitsAsIfOneAfterTheOther) {
  ASSERT_NE(Server(), nullptr);
  const std::string database = NewDatabase();
  FakeClock clock(absl::Now());
  auto first = PostgresRecordStore::Open(OptionsFor(database), clock);
  auto second = PostgresRecordStore::Open(OptionsFor(database), clock);
  ASSERT_TRUE(first.ok() && second.ok());
  casework::v1::Team a = Team("a", "off"), b = Team("b", "off");
  ASSERT_TRUE(RunWrite(**first, [&](RecordWriter& w) -> absl::StatusOr<std::string> {
                if (auto s = w.Insert(a); !s.ok()) return s;
                if (auto s = w.Insert(b); !s.ok()) return s;
                return std::string();
              }).ok());
  absl::Notification a_read, b_read;
  auto put_on_call = [](RecordWriter& w, const casework::v1::Team& watched,
                        const casework::v1::Team& target, absl::Notification& mine,
                        absl::Notification& theirs) -> absl::StatusOr<std::string> {
    casework::v1::Team seen, changed;
    if (auto got = w.Get(watched.name(), seen); !got.ok() || !*got) {
      return absl::InternalError("watched team missing");
    }
    if (!mine.HasBeenNotified()) {
      mine.Notify();
      theirs.WaitForNotificationWithTimeout(absl::Seconds(10));
    }
    if (seen.display_name() == "on call") return std::string("stayed off");
    if (auto got = w.Get(target.name(), changed); !got.ok() || !*got) {
      return absl::InternalError("target team missing");
    }
    const std::string etag = changed.etag();
    changed.set_display_name("on call");
    changed.set_etag(etag + "+");
    if (auto s = w.Update(changed, etag); !s.ok()) return s;
    return std::string("went on call");
  };
  absl::StatusOr<std::string> from_first, from_second;
  std::thread one([&] {
    from_first =
        RunWrite(**first, [&](RecordWriter& w) { return put_on_call(w, b, a, a_read, b_read); });
  });
  std::thread two([&] {
    from_second =
        RunWrite(**second, [&](RecordWriter& w) { return put_on_call(w, a, b, b_read, a_read); });
  });
  one.join();
  two.join();
  ASSERT_TRUE(from_first.ok()) << from_first.status();
  ASSERT_TRUE(from_second.ok()) << from_second.status();
  EXPECT_NE(*from_first, *from_second);  // one went on call, the other stayed off
  EXPECT_GE((*first)->retries() + (*second)->retries(), 1);
  auto connection = Connect(database);
  ASSERT_NE(connection, nullptr);
  auto rows = connection->Run("SELECT COUNT(*) FROM teams WHERE display_name = 'on call'");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int(0, 0), 1);
}

// Read-modify-write units from 8 threads over two stores: every unit succeeds (conflicts are
// retried inside the store, never answered) and none is lost.
TEST(PostgresRecordStoreTest, ConcurrentReadModifyWritesOverTwoStoresLoseNothing) {
  ASSERT_NE(Server(), nullptr);
  const std::string database = NewDatabase();
  FakeClock clock(absl::Now());
  auto first = PostgresRecordStore::Open(OptionsFor(database), clock);
  auto second = PostgresRecordStore::Open(OptionsFor(database), clock);
  ASSERT_TRUE(first.ok() && second.ok());
  casework::v1::Team counter = Team("counter", "0");
  ASSERT_TRUE(RunWrite(**first, [&](RecordWriter& w) -> absl::StatusOr<std::string> {
                if (auto s = w.Insert(counter); !s.ok()) return s;
                return std::string();
              }).ok());
  constexpr int kThreads = 8;
  constexpr int kUnitsPerThread = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    RecordStore& store = t % 2 == 0 ? static_cast<RecordStore&>(**first) : **second;
    threads.emplace_back([&] {
      for (int i = 0; i < kUnitsPerThread; ++i) {
        auto result = RunWrite(store, [&](RecordWriter& w) -> absl::StatusOr<std::string> {
          casework::v1::Team current;
          if (auto got = w.Get(counter.name(), current); !got.ok() || !*got) {
            return absl::InternalError("counter missing");
          }
          int value = 0;
          if (!absl::SimpleAtoi(current.display_name(), &value)) {
            return absl::InternalError("not a number");
          }
          const std::string etag = current.etag();
          current.set_display_name(absl::StrCat(value + 1));
          current.set_etag(absl::StrCat("e", value + 1));
          if (auto s = w.Update(current, etag); !s.ok()) return s;
          return std::string();
        });
        EXPECT_TRUE(result.ok()) << result.status();
        if (result.ok()) ++ok;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kUnitsPerThread);
  auto connection = Connect(database);
  ASSERT_NE(connection, nullptr);
  auto rows =
      connection->Run("SELECT etag FROM teams WHERE name = 'organizations/o/teams/counter'");
  ASSERT_TRUE(rows.ok() && rows->size() == 1);
  EXPECT_EQ(rows->Bytes(0, 0), absl::StrCat("e", kThreads * kUnitsPerThread));
  std::cout << (*first)->commits() + (*second)->commits() << " commits, "
            << (*first)->retries() + (*second)->retries() << " serialization retries\n";
}

// The pool drops connections the server closed and opens new ones: while the database is down
// calls answer UNAVAILABLE (STORE_UNAVAILABLE); once it is back they succeed again, without a
// restart of the store.
TEST(PostgresRecordStoreTest, CallsAnswerUnavailableWhileTheDatabaseIsDownThenSucceedAgain) {
  ASSERT_NE(Server(), nullptr);
  const std::string database = NewDatabase();
  FakeClock clock(absl::Now());
  auto store = PostgresRecordStore::Open(OptionsFor(database), clock);
  ASSERT_TRUE(store.ok()) << store.status();
  auto insert = [&](const std::string& id) {
    casework::v1::Team team = Team(id, id);
    return RunWrite(**store,
                    [team](RecordWriter& w) -> absl::StatusOr<std::string> {
                      if (auto s = w.Insert(team); !s.ok()) return s;
                      return std::string();
                    })
        .status();
  };
  ASSERT_TRUE(insert("before").ok());
  Server()->Stop();
  absl::Status down = insert("during");
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_EQ(ErrorReason(down), "STORE_UNAVAILABLE");
  ASSERT_TRUE(Server()->Restart().ok());
  EXPECT_TRUE(insert("after").ok());
  auto connection = Connect(database);
  ASSERT_NE(connection, nullptr);
  auto rows = connection->Run("SELECT name FROM teams ORDER BY name");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2);
  EXPECT_EQ(rows->Bytes(0, 0), "organizations/o/teams/after");
  EXPECT_EQ(rows->Bytes(1, 0), "organizations/o/teams/before");
}

TEST(PostgresRecordStoreTest, PasswordsStayOutOfConnectionStringsAndMessages) {
  ASSERT_NE(Server(), nullptr);
  const std::string database = NewDatabase();
  FakeClock clock(absl::Now());
  PostgresStoreOptions in_uri = OptionsFor(database);
  in_uri.connection.conninfo =
      absl::StrCat("postgresql://casework:hunter2-secret@/", database, "?host=", Server()->dir());
  in_uri.connection.password.clear();
  auto refused = PostgresRecordStore::Open(in_uri, clock);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(absl::StrContains(refused.status().ToString(), "hunter2"));

  PostgresStoreOptions wrong = OptionsFor(database);
  wrong.connection.password = "not-the-password-42";
  auto denied = PostgresRecordStore::Open(wrong, clock);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(absl::StrContains(denied.status().ToString(), "not-the-password-42"));
  EXPECT_TRUE(absl::StrContains(denied.status().message(), "password authentication failed"))
      << denied.status();
}

}  // namespace
}  // namespace casework::records
