// What the retention purge needs of the PostgreSQL store beyond the conformance suite: list
// columns added by a later migration filled in rows stored before it, and two replicas purging
// one case in the same instant deleting and auditing it exactly once.
#include <set>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "casework/v1/action_item.pb.h"
#include "casework/v1/session_record.pb.h"
#include "gtest/gtest.h"
#include "services/records/domain/operations.h"
#include "services/records/domain/proto_time.h"
#include "services/records/store/postgres_test_database.h"
#include "services/records/store/record_store_conformance.h"

namespace casework::records {
namespace {

using pgtest::Connect;
using pgtest::NewDatabase;
using pgtest::OptionsFor;
using pgtest::Server;

TEST(PostgresRecordStoreTest, FillsTheColumnsOfLaterMigrationsInRowsStoredBeforeThem) {
  ASSERT_NE(Server(), nullptr);
  const std::string database = NewDatabase();
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
  {
    auto store = PostgresRecordStore::Open(OptionsFor(database), clock);
    ASSERT_TRUE(store.ok()) << store.status();
    conformance::InsertAll(**store, {&team, &closed, &record, &item});
  }
  auto connection = Connect(database);
  ASSERT_NE(connection, nullptr);
  // What a database migrated from schema version 1 holds: the new columns NULL.
  ASSERT_TRUE(connection
                  ->Exec("UPDATE cases SET close_time = NULL; UPDATE session_records SET "
                         "create_time = NULL; UPDATE action_items SET source_case = NULL")
                  .ok());
  ASSERT_TRUE(PostgresRecordStore::Open(OptionsFor(database), clock).ok());
  auto rows = connection->Run(
      "SELECT (SELECT close_time FROM cases), (SELECT create_time FROM session_records), "
      "(SELECT source_case FROM action_items)");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->Int(0, 0), ToUnixMicros(closed.close_time()));
  EXPECT_EQ(rows->Int(0, 1), ToUnixMicros(record.create_time()));
  EXPECT_EQ(rows->Bytes(0, 2), closed.name());
}

// Two replicas' purges of one case in the same instant: both read it, then both delete it and
// audit the deletion. SERIALIZABLE refuses one; its retry finds the case gone and deletes nothing,
// so the case is deleted and audited exactly once and neither unit fails.
TEST(PostgresRecordStoreTest, TwoStoresPurgingOneCaseAtOnceDeleteAndAuditItOnce) {
  ASSERT_NE(Server(), nullptr);
  const std::string database = NewDatabase();
  FakeClock clock(absl::Now());
  auto first = PostgresRecordStore::Open(OptionsFor(database), clock);
  auto second = PostgresRecordStore::Open(OptionsFor(database), clock);
  ASSERT_TRUE(first.ok() && second.ok());
  casework::v1::Team team = conformance::Team("o", "t", "e");
  casework::v1::Case closed = conformance::Case(team.name(), 1, 1000);
  closed.set_status(casework::v1::CASE_STATUS_CLOSED);
  *closed.mutable_close_time() = ToProtoTime(absl::FromUnixSeconds(2000));  // decades ago
  casework::v1::Goal goal;
  goal.set_name(closed.name() + "/goals/g1");
  conformance::InsertAll(**first, {&team, &closed, &goal});
  absl::Notification first_read, second_read;
  auto purge = [&](RecordWriter& w, absl::Notification& mine,
                   absl::Notification& theirs) -> absl::StatusOr<std::string> {
    casework::v1::Case seen;
    if (auto got = w.Get(closed.name(), seen); !got.ok()) return got.status();
    if (!mine.HasBeenNotified()) {  // the first run of each waits until both have read
      mine.Notify();
      theirs.WaitForNotificationWithTimeout(absl::Seconds(10));
    }
    auto purged = ops::PurgeExpired(w, ResourceKind::kCase, closed.name(), clock.Now());
    if (!purged.ok()) return purged.status();
    return std::string(*purged ? "deleted" : "found it gone");
  };
  absl::StatusOr<std::string> from_first, from_second;
  std::thread one([&] {
    from_first = conformance::RunWrite(**first, conformance::Unit([&](RecordWriter& w) {
      return purge(w, first_read, second_read);
    }));
  });
  std::thread two([&] {
    from_second = conformance::RunWrite(**second, conformance::Unit([&](RecordWriter& w) {
      return purge(w, second_read, first_read);
    }));
  });
  one.join();
  two.join();
  ASSERT_TRUE(from_first.ok()) << from_first.status();
  ASSERT_TRUE(from_second.ok()) << from_second.status();
  EXPECT_EQ(std::set<std::string>({*from_first, *from_second}),
            std::set<std::string>({"deleted", "found it gone"}));
  EXPECT_GE((*first)->retries() + (*second)->retries(), 1);
  auto connection = Connect(database);
  ASSERT_NE(connection, nullptr);
  auto rows = connection->Run(
      "SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM goals), "
      "(SELECT COUNT(*) FROM audit_entries WHERE organization = 'o')");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->Int(0, 0), 0);
  EXPECT_EQ(rows->Int(0, 1), 0);
  EXPECT_EQ(rows->Int(0, 2), 1);  // one purge entry
}

}  // namespace
}  // namespace casework::records
