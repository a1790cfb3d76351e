// The records store on SQLite: one writer thread with group commit and a few reader threads, each
// with its own connection, fed by bounded queues. gRPC callback threads only enqueue; every
// blocking SQLite call happens here.
//
// Group commit: the writer takes every queued unit (up to `max_batch`), runs each in its own
// SAVEPOINT inside one transaction — a failing unit is rolled back alone — and commits once with
// synchronous=FULL, so one fsync makes a whole batch durable. Only then are the units' `done`
// callbacks run: an RPC answers OK only after its write is on disk.
#ifndef SERVICES_RECORDS_STORE_SQLITE_RECORD_STORE_H_
#define SERVICES_RECORDS_STORE_SQLITE_RECORD_STORE_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/records/domain/clock.h"
#include "services/records/domain/record_store.h"
#include "services/records/store/bounded_queue.h"
#include "services/records/store/sqlite_connection.h"
#include "services/records/store/sqlite_tables.h"

namespace casework::records {

struct SqliteStoreOptions {
  std::string path;               // the database file (created with its schema when missing)
  int readers = 2;                // reader threads, one connection each
  size_t queue_capacity = 20000;  // per queue; beyond it calls answer STORE_UNAVAILABLE
  size_t max_batch = 512;         // units per group commit
  // Request ids are remembered at least this long (AIP-155 asks for 24 hours).
  absl::Duration idempotency_retention = absl::Hours(48);
};

class SqliteRecordStore final : public RecordStore {
 public:
  // Opens (or creates) the database, applies the embedded migrations and starts the threads.
  static absl::StatusOr<std::unique_ptr<SqliteRecordStore>> Open(SqliteStoreOptions options,
                                                                 const Clock& clock);
  // Refuses new work, finishes everything queued, joins the threads.
  ~SqliteRecordStore() override;

  void Read(ReadWork work, std::optional<casework::v1::AuditEntry> audit, WorkDone done) override;
  void Write(WriteUnit unit, WorkDone done) override;

  // Transactions committed by the writer so far (each holds a batch of units).
  int64_t commits() const { return commits_.load(); }

 private:
  struct ReadJob {
    ReadWork work;
    std::optional<casework::v1::AuditEntry> audit;
    WorkDone done;
  };
  // A write unit, or the audit entry of a finished read (with the read's result to deliver).
  struct WriteJob {
    std::optional<WriteUnit> unit;
    std::optional<casework::v1::AuditEntry> read_audit;
    absl::StatusOr<std::string> result;
    WorkDone done;
  };

  SqliteRecordStore(SqliteStoreOptions options, const Clock& clock);
  void ReaderLoop(std::unique_ptr<SqliteConnection> connection);
  void WriterLoop(std::unique_ptr<SqliteConnection> connection);
  void CommitBatch(SqliteConnection& connection, std::vector<WriteJob>& batch);
  // Runs one unit in its savepoint: idempotency lookup, the work, the idempotency record, the
  // audit entry.
  absl::StatusOr<std::string> RunUnit(SqliteConnection& connection, SqliteTables& tables,
                                      WriteUnit& unit);
  absl::Status AppendAudit(SqliteTables& tables, casework::v1::AuditEntry entry,
                           const absl::Status& outcome);
  void EnqueueWrite(WriteJob job);

  SqliteStoreOptions options_;
  const Clock& clock_;
  BoundedQueue<ReadJob> reads_;
  BoundedQueue<WriteJob> writes_;
  std::vector<std::thread> readers_;
  std::thread writer_;
  std::atomic<int64_t> commits_{0};
  absl::Time last_purge_ = absl::InfinitePast();  // writer thread only
};

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_SQLITE_RECORD_STORE_H_
