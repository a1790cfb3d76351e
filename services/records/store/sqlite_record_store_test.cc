// The SQLite store: the conformance suite, plus what is SQLite's own — pragmas, migrations (and
// the columns they add filled in rows stored before them), append-only audit table, group commit
// and the bounded queue.
#include "services/records/store/sqlite_record_store.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "casework/v1/action_item.pb.h"
#include "casework/v1/session_record.pb.h"
#include "gtest/gtest.h"
#include "libs/status/errors.h"
#include "services/records/domain/proto_time.h"
#include "services/records/store/record_store_conformance.h"
#include "services/records/store/sqlite_migrations.h"

namespace casework::records {
namespace {

class SqliteDatabase final : public StoreUnderTest {
 public:
  SqliteDatabase() {
    static int counter = 0;
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("records-store-test-", getpid(), "-", counter++);
    std::filesystem::create_directories(dir_);
  }
  ~SqliteDatabase() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<RecordStore> Open(const Clock& clock) override {
    SqliteStoreOptions options;
    options.path = path();
    auto store = SqliteRecordStore::Open(options, clock);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::unique_ptr<RecordStore>(std::move(*store)) : nullptr;
  }
  std::string path() const { return (dir_ / "records.db").string(); }

 private:
  std::filesystem::path dir_;
};

std::unique_ptr<StoreUnderTest> MakeSqliteDatabase() { return std::make_unique<SqliteDatabase>(); }

INSTANTIATE_TEST_SUITE_P(Sqlite, RecordStoreConformanceTest, ::testing::Values(&MakeSqliteDatabase),
                         [](const auto&) { return std::string("SQLite"); });

std::string Pragma(SqliteConnection& connection, const std::string& name) {
  auto statement = connection.Prepare("PRAGMA " + name);
  EXPECT_TRUE(statement.ok());
  auto row = (*statement)->Step();
  EXPECT_TRUE(row.ok() && *row);
  return (*statement)->Text(0);
}

TEST(SqliteRecordStoreTest, OpensWithDurableSettingsAndTheLatestSchema) {
  SqliteDatabase database;
  FakeClock clock(absl::Now());
  database.Open(clock).reset();
  auto connection = SqliteConnection::Open(database.path());
  ASSERT_TRUE(connection.ok());
  EXPECT_EQ(Pragma(**connection, "journal_mode"), "wal");
  EXPECT_EQ(Pragma(**connection, "synchronous"), "2");  // FULL
  EXPECT_EQ(Pragma(**connection, "foreign_keys"), "1");
  EXPECT_EQ(*SchemaVersion(**connection), EmbeddedMigrations().back().version);
  EXPECT_EQ(Pragma(**connection, "integrity_check"), "ok");
}

TEST(SqliteRecordStoreTest, RefusesADatabaseFromANewerBinary) {
  SqliteDatabase database;
  FakeClock clock(absl::Now());
  database.Open(clock).reset();
  auto connection = SqliteConnection::Open(database.path());
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE((*connection)
                  ->Exec("INSERT INTO schema_migrations (version, name, apply_time) VALUES "
                         "(9999, 'future', 0)")
                  .ok());
  SqliteStoreOptions options;
  options.path = database.path();
  EXPECT_EQ(SqliteRecordStore::Open(options, clock).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(SqliteRecordStoreTest, FillsTheColumnsOfLaterMigrationsInRowsStoredBeforeThem) {
  SqliteDatabase database;
  FakeClock clock(absl::FromUnixSeconds(1700000000));
  casework::v1::Team team = conformance::Team("o", "t", "e");
  casework::v1::Case closed = conformance::Case(team.name(), 1, 1000);
  closed.set_status(casework::v1::CASE_STATUS_CLOSED);
  *closed.mutable_close_time() = ToProtoTime(absl::FromUnixSeconds(5000));
  casework::v1::SessionRecord record;
  record.set_name(team.name() + "/sessionRecords/s1");
  *record.mutable_create_time() = ToProtoTime(absl::FromUnixSeconds(6000));
  casework::v1::ActionItem item;
  item.set_name(team.name() + "/actionItems/a1");
  item.set_case_(closed.name());
  conformance::InsertAll(*database.Open(clock), {&team, &closed, &record, &item});
  {  // what a database migrated from schema version 1 holds: the new columns NULL
    auto connection = SqliteConnection::Open(database.path());
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)
                    ->Exec("UPDATE cases SET close_time = NULL; UPDATE session_records SET "
                           "create_time = NULL; UPDATE action_items SET source_case = NULL")
                    .ok());
  }
  auto store = database.Open(clock);
  ListQuery cases(ResourceKind::kCase, "o");
  cases.sort = SortField::kCloseTime;
  cases.sort_below = absl::ToUnixMicros(absl::FromUnixSeconds(5001));
  ListQuery records(ResourceKind::kSessionRecord, "o");
  records.sort = SortField::kCreateTime;
  records.sort_below = absl::ToUnixMicros(absl::FromUnixSeconds(6001));
  ListQuery items(ResourceKind::kActionItem, "o");
  items.equals = {{IndexedField::kSourceCase, closed.name()}};
  auto found =
      conformance::RunRead(*store, [&](RecordReader& reader) -> absl::StatusOr<std::string> {
        std::string names;
        for (const ListQuery* query : {&cases, &records, &items}) {
          auto rows = reader.List(*query);
          if (!rows.ok()) return rows.status();
          for (const ListedResource& row : *rows) absl::StrAppend(&names, row.position.name, " ");
        }
        return names;
      });
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, absl::StrCat(closed.name(), " ", record.name(), " ", item.name(), " "));
  store.reset();
  auto connection = SqliteConnection::Open(database.path());
  ASSERT_TRUE(connection.ok());
  auto left = (*connection)
                  ->Prepare(
                      "SELECT (SELECT COUNT(*) FROM cases WHERE close_time IS NULL) + "
                      "(SELECT COUNT(*) FROM session_records WHERE create_time IS NULL) + "
                      "(SELECT COUNT(*) FROM action_items WHERE source_case IS NULL)");
  ASSERT_TRUE(left.ok());
  ASSERT_TRUE(*(*left)->Step());
  EXPECT_EQ((*left)->Int(0), 0);
}

TEST(SqliteRecordStoreTest, AuditEntriesCannotBeChangedOrDeletedEvenWithSql) {
  SqliteDatabase database;
  FakeClock clock(absl::Now());
  auto store = database.Open(clock);
  casework::v1::AuditEntry entry;
  entry.set_organization("o");
  entry.set_actor("u");
  absl::Notification done;
  store->Read([](RecordReader&) -> absl::StatusOr<std::string> { return std::string(); }, entry,
              [&](absl::StatusOr<std::string>) { done.Notify(); });
  done.WaitForNotification();
  store.reset();
  auto connection = SqliteConnection::Open(database.path());
  ASSERT_TRUE(connection.ok());
  EXPECT_FALSE((*connection)->Exec("UPDATE audit_entries SET organization = 'x'").ok());
  EXPECT_FALSE((*connection)->Exec("DELETE FROM audit_entries").ok());
}

TEST(SqliteRecordStoreTest, GroupCommitBatchesConcurrentUnitsAndAFullQueueAnswersUnavailable) {
  SqliteDatabase database;
  FakeClock clock(absl::Now());
  SqliteStoreOptions options;
  options.path = database.path();
  options.queue_capacity = 50;
  auto store = SqliteRecordStore::Open(options, clock);
  ASSERT_TRUE(store.ok());
  // A unit that holds the writer until released, so the queue fills up behind it.
  absl::Notification running, release, first_done;
  (*store)->Write(WriteUnit{{},
                            "",
                            [&](RecordWriter&) -> absl::StatusOr<std::string> {
                              running.Notify();
                              release.WaitForNotification();
                              return std::string();
                            },
                            std::nullopt},
                  [&](absl::StatusOr<std::string>) { first_done.Notify(); });
  // Only once the writer is inside that unit is the queue empty behind it; units enqueued
  // earlier could join its batch and leave room for more.
  running.WaitForNotification();
  std::atomic<int> ok{0}, unavailable{0}, finished{0};
  constexpr int kUnits = 120;
  for (int i = 0; i < kUnits; ++i) {
    (*store)->Write(
        WriteUnit{{},
                  "",
                  [](RecordWriter&) -> absl::StatusOr<std::string> { return std::string(); },
                  std::nullopt},
        [&](absl::StatusOr<std::string> result) {
          if (result.ok()) ++ok;
          if (ErrorReason(result.status()) == "STORE_UNAVAILABLE") ++unavailable;
          ++finished;
        });
  }
  const int64_t commits_before = (*store)->commits();
  release.Notify();
  first_done.WaitForNotification();
  while (finished.load() < kUnits) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_GE(unavailable.load(), kUnits - 50);
  EXPECT_EQ(ok.load() + unavailable.load(), kUnits);
  // The blocked unit's batch and the queued ones: a handful of commits, not one per unit.
  EXPECT_LE((*store)->commits() - commits_before, 3);
}

}  // namespace
}  // namespace casework::records
