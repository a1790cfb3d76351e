// The records store on PostgreSQL, for several records replicas on one database: the same
// contract and answers as the SQLite store (record_store.h; both pass the conformance suite), with
// a bounded connection pool shared by reader and writer threads, fed by bounded queues. gRPC
// callback threads only enqueue; every blocking libpq call happens here.
//
// Isolation: every write transaction is SERIALIZABLE, so units behave as if run one after the
// other — across replicas too — exactly as under SQLite's single writer (a domain rule that reads
// one row and writes another cannot be broken by a concurrent unit). PostgreSQL refuses a
// transaction that could not be ordered with a serialization failure (40001) or a deadlock
// (40P01); the store then rolls the whole batch back and runs it again from the start, on a fresh
// snapshot, with a jittered back-off, up to `max_attempts` times (then STORE_UNAVAILABLE, which
// callers retry with the same request_id). Fairness across replicas: writers hold an advisory
// lock shared around their transactions; a batch refused `shared_attempts` times runs its next
// attempts holding it exclusively, alone, so a busy replica cannot starve another's batch. Units
// are therefore run more than once only inside transactions that were rolled back. Reads run in
// REPEATABLE READ READ ONLY transactions: one consistent snapshot, never a serialization failure.
//
// Group commit: a writer takes every queued unit (up to `max_batch`), runs each in its own
// SAVEPOINT inside one transaction — a failing unit is rolled back alone — and commits once
// (synchronous_commit=on: COMMIT returns once the WAL is flushed). Only then are the units' `done`
// callbacks run. When the connection breaks during COMMIT the outcome is unknown: the units
// answer UNAVAILABLE (COMMIT_OUTCOME_UNKNOWN) and a retry with the same request_id answers the
// stored response if the commit did happen.
//
// Idempotency keys are claimed first (INSERT … ON CONFLICT DO NOTHING, which PostgreSQL checks
// without predicate locks) and filled with the response after the work: two replicas running the
// same request_id at once serialise on the key, and the second answers the first's response.
// Audit sequences come from an identity column: strictly increasing in the order entries are
// appended, which under concurrent writers is not always the order they commit in.
#ifndef SERVICES_RECORDS_STORE_POSTGRES_RECORD_STORE_H_
#define SERVICES_RECORDS_STORE_POSTGRES_RECORD_STORE_H_

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
#include "services/records/store/postgres_connection.h"
#include "services/records/store/postgres_connection_pool.h"
#include "services/records/store/postgres_tables.h"

namespace casework::records {

// The advisory lock key the writers of every replica share ("cw-write" in ASCII).
inline constexpr int64_t kWriterLockKey = 0x63772d7772697465;

struct PostgresStoreOptions {
  PgConnectOptions connection;
  int readers = 2;                // reader threads
  int writers = 1;                // writer threads; the pool holds readers + writers connections
  size_t queue_capacity = 20000;  // per queue; beyond it calls answer STORE_UNAVAILABLE
  size_t max_batch = 256;         // units per group commit
  int max_attempts = 20;          // runs of a batch refused by serialization failures
  int shared_attempts = 3;        // runs alongside other writers before running alone
  // Request ids are remembered at least this long (AIP-155 asks for 24 hours).
  absl::Duration idempotency_retention = absl::Hours(48);
};

class PostgresRecordStore final : public RecordStore {
 public:
  // Connects, applies the embedded migrations under the advisory lock and starts the threads.
  static absl::StatusOr<std::unique_ptr<PostgresRecordStore>> Open(PostgresStoreOptions options,
                                                                   const Clock& clock);
  // Refuses new work, finishes everything queued, joins the threads, closes the connections.
  ~PostgresRecordStore() override;

  void Read(ReadWork work, std::optional<casework::v1::AuditEntry> audit, WorkDone done) override;
  void Write(WriteUnit unit, WorkDone done) override;

  // Transactions committed by the writers so far (each holds a batch of units).
  int64_t commits() const { return commits_.load(); }
  // Batches rolled back and run again after a serialization failure or deadlock.
  int64_t retries() const { return retries_.load(); }

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
    absl::StatusOr<std::string> read_result;  // what a read's audit job delivers once audited
    WorkDone done;
  };
  enum class Attempt { kCommitted, kFailed, kRetry, kOutcomeUnknown };

  PostgresRecordStore(PostgresStoreOptions options, const Clock& clock);
  void ReaderLoop();
  void WriterLoop();
  absl::StatusOr<std::string> RunRead(ReadJob& job);
  void CommitBatch(std::vector<WriteJob>& batch);
  // One run of the batch under the writers' advisory lock (exclusive when `alone`).
  Attempt TryBatch(PgConnection& connection, std::vector<WriteJob>& batch, bool alone);
  Attempt RunTransaction(PgConnection& connection, std::vector<WriteJob>& batch);
  // Runs one unit in its savepoint: idempotency claim or lookup, the work, the response, the
  // audit entry.
  absl::StatusOr<std::string> RunUnit(PgConnection& connection, PostgresTables& tables,
                                      WriteUnit& unit);
  absl::Status AppendAudit(PostgresTables& tables, casework::v1::AuditEntry entry,
                           const absl::Status& outcome);
  void PurgeIdempotencyKeys();
  void EnqueueWrite(WriteJob job);

  PostgresStoreOptions options_;
  const Clock& clock_;
  std::unique_ptr<PgConnectionPool> pool_;
  BoundedQueue<ReadJob> reads_;
  BoundedQueue<WriteJob> writes_;
  std::vector<std::thread> readers_;
  std::vector<std::thread> writers_;
  std::atomic<int64_t> commits_{0};
  std::atomic<int64_t> retries_{0};
  std::atomic<int64_t> last_purge_micros_{0};
};

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_POSTGRES_RECORD_STORE_H_
