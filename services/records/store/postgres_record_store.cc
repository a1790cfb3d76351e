// Threads, queues, serializable group commit with retries, idempotency and audit of the
// PostgreSQL records store.
#include "services/records/store/postgres_record_store.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/status/errors.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/proto_time.h"
#include "services/records/store/postgres_migrations.h"
#include "services/records/store/store_replies.h"

namespace casework::records {
namespace {

using stores::Digest;
using stores::RequestIdReused;
using stores::Unavailable;

PgParams KeyParams(const IdempotencyKey& key) {
  PgParams params;
  params.Text(key.organization).Text(key.caller).Text(key.request_id);
  return params;
}

// Jittered exponential back-off before running a refused batch again, so two writers that keep
// refusing each other fall out of step.
void BackOff(int attempt) {
  thread_local absl::BitGen random;
  const int64_t ceiling_micros = std::min<int64_t>(20000, int64_t{200} << std::min(attempt, 7));
  absl::SleepFor(absl::Microseconds(absl::Uniform<int64_t>(random, 0, ceiling_micros)));
}

}  // namespace

PostgresRecordStore::PostgresRecordStore(PostgresStoreOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      reads_(options_.queue_capacity),
      writes_(options_.queue_capacity) {}

absl::StatusOr<std::unique_ptr<PostgresRecordStore>> PostgresRecordStore::Open(
    PostgresStoreOptions options, const Clock& clock) {
  if (options.readers < 1 || options.writers < 1 || options.max_batch < 1 ||
      options.queue_capacity < 1 || options.max_attempts < 1) {
    return absl::InvalidArgumentError(
        "the store needs a reader, a writer, a batch, a queue and an attempt");
  }
  CASEWORK_RETURN_IF_ERROR(CheckConnInfo(options.connection.conninfo));
  std::unique_ptr<PostgresRecordStore> store(new PostgresRecordStore(std::move(options), clock));
  store->pool_ = std::make_unique<PgConnectionPool>(
      store->options_.connection, store->options_.readers + store->options_.writers);
  {
    CASEWORK_ASSIGN_OR_RETURN(PgConnectionPool::Lease connection, store->pool_->Acquire());
    CASEWORK_RETURN_IF_ERROR(ApplyPostgresMigrations(*connection, EmbeddedPostgresMigrations()));
    CASEWORK_RETURN_IF_ERROR(BackfillPostgresLateColumns(*connection));
  }
  PostgresRecordStore* raw = store.get();
  for (int i = 0; i < store->options_.readers; ++i) {
    store->readers_.emplace_back([raw] { raw->ReaderLoop(); });
  }
  for (int i = 0; i < store->options_.writers; ++i) {
    store->writers_.emplace_back([raw] { raw->WriterLoop(); });
  }
  return store;
}

PostgresRecordStore::~PostgresRecordStore() {
  reads_.Close();
  for (std::thread& reader : readers_) reader.join();
  writes_.Close();  // after the readers: their audit entries still go to the writers
  for (std::thread& writer : writers_) writer.join();
}

void PostgresRecordStore::Read(ReadWork work, std::optional<casework::v1::AuditEntry> audit,
                               WorkDone done) {
  ReadJob job{std::move(work), std::move(audit), std::move(done)};
  if (!reads_.TryPush(job)) {
    job.done(Unavailable("QUEUE_FULL", "the records store is overloaded; retry later"));
  }
}

void PostgresRecordStore::Write(WriteUnit unit, WorkDone done) {
  EnqueueWrite(
      WriteJob{std::move(unit), std::nullopt, std::string(), std::string(), std::move(done)});
}

void PostgresRecordStore::EnqueueWrite(WriteJob job) {
  if (!writes_.TryPush(job)) {
    job.done(Unavailable("QUEUE_FULL", "the records store is overloaded; retry later"));
  }
}

absl::StatusOr<std::string> PostgresRecordStore::RunRead(ReadJob& job) {
  // A connection found broken (the database restarted) gets one more try on a fresh one.
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<PgConnectionPool::Lease> connection = pool_->Acquire();
    if (!connection.ok()) return connection.status();
    PostgresTables tables(**connection);
    absl::Status began = (*connection)->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    absl::StatusOr<std::string> result =
        began.ok() ? job.work(tables) : absl::StatusOr<std::string>(began);
    if (began.ok()) (void)(*connection)->Exec(result.ok() ? "COMMIT" : "ROLLBACK");
    if (result.ok() || !(*connection)->broken() || attempt == 1) return result;
  }
}

void PostgresRecordStore::ReaderLoop() {
  std::vector<ReadJob> batch;
  while (reads_.PopBatch(1, batch)) {
    for (ReadJob& job : batch) {
      absl::StatusOr<std::string> result = RunRead(job);
      if (!job.audit.has_value()) {
        job.done(std::move(result));
        continue;
      }
      // The read answers once its audit entry is durable: fail closed, never unaudited.
      EnqueueWrite(WriteJob{std::nullopt, std::move(job.audit), std::string(), std::move(result),
                            std::move(job.done)});
    }
    batch.clear();
  }
}

void PostgresRecordStore::WriterLoop() {
  std::vector<WriteJob> batch;
  while (writes_.PopBatch(options_.max_batch, batch)) {
    CommitBatch(batch);
    for (WriteJob& job : batch) job.done(std::move(job.result));
    batch.clear();
    PurgeIdempotencyKeys();
  }
}

void PostgresRecordStore::CommitBatch(std::vector<WriteJob>& batch) {
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    absl::StatusOr<PgConnectionPool::Lease> connection = pool_->Acquire();
    if (!connection.ok()) {
      for (WriteJob& job : batch) job.result = connection.status();
      return;
    }
    const bool alone = attempt > options_.shared_attempts;
    switch (TryBatch(**connection, batch, alone)) {
      case Attempt::kCommitted:
        ++commits_;
        return;
      case Attempt::kFailed:
        return;
      case Attempt::kOutcomeUnknown:
        for (WriteJob& job : batch) {
          job.result = Unavailable("COMMIT_OUTCOME_UNKNOWN",
                                   "the connection to the database broke during the commit; retry "
                                   "with the same request_id");
        }
        return;
      case Attempt::kRetry:
        ++retries_;
        BackOff(attempt);
        break;
    }
  }
  for (WriteJob& job : batch) {
    job.result = Unavailable("SERIALIZATION_FAILURE",
                             "the write kept conflicting with concurrent writes; retry");
  }
}

PostgresRecordStore::Attempt PostgresRecordStore::TryBatch(PgConnection& connection,
                                                           std::vector<WriteJob>& batch,
                                                           bool alone) {
  // Writers of every replica hold the writers' advisory lock shared around their transactions; a
  // batch refused `shared_attempts` times takes it exclusively and so runs with no concurrent
  // writer, which no serialization failure can keep from committing. (Without this a writer
  // that keeps a hot row locked by back-to-back batches could starve the other replica's.)
  const PgParams key = PgParams().Int(kWriterLockKey);
  connection.ClearRetryable();
  if (!connection
           .Run(alone ? "SELECT pg_advisory_lock($1)" : "SELECT pg_advisory_lock_shared($1)", key)
           .ok()) {
    if (connection.broken()) return Attempt::kRetry;
    for (WriteJob& job : batch) {
      job.result = Unavailable("WRITER_LOCK", "the writers' lock could not be taken; retry");
    }
    return Attempt::kFailed;
  }
  const Attempt outcome = RunTransaction(connection, batch);
  // A broken connection released the lock with its session.
  (void)connection.Run(
      alone ? "SELECT pg_advisory_unlock($1)" : "SELECT pg_advisory_unlock_shared($1)", key);
  return outcome;
}

PostgresRecordStore::Attempt PostgresRecordStore::RunTransaction(PgConnection& connection,
                                                                 std::vector<WriteJob>& batch) {
  connection.ClearRetryable();
  // A transaction the server never committed can always run again: on a serialization failure,
  // and on a connection that broke before COMMIT was sent (the server rolls it back).
  auto must_retry = [&] { return connection.retryable_failure() || connection.broken(); };
  if (absl::Status began = connection.Exec("BEGIN ISOLATION LEVEL SERIALIZABLE"); !began.ok()) {
    if (must_retry()) return Attempt::kRetry;
    for (WriteJob& job : batch) job.result = began;
    return Attempt::kFailed;
  }
  PostgresTables tables(connection);
  for (WriteJob& job : batch) {
    if (job.unit.has_value()) {
      job.result = RunUnit(connection, tables, *job.unit);
    } else if (absl::Status audited =
                   AppendAudit(tables, *job.read_audit, job.read_result.status());
               !audited.ok()) {
      job.result = Unavailable("COMMIT_FAILED", "the call could not be audited");
    } else {
      job.result = job.read_result;
    }
    if (must_retry()) {
      (void)connection.Exec("ROLLBACK");
      return Attempt::kRetry;
    }
  }
  if (connection.Exec("COMMIT").ok()) return Attempt::kCommitted;
  if (connection.retryable_failure()) return Attempt::kRetry;  // refused at commit: rolled back
  if (connection.broken()) return Attempt::kOutcomeUnknown;
  (void)connection.Exec("ROLLBACK");
  for (WriteJob& job : batch) {
    job.result = Unavailable("COMMIT_FAILED", "the write could not be made durable; retry");
  }
  return Attempt::kFailed;
}

namespace {

// The stored answer to an earlier unit with this key: its response for the same fingerprint,
// REQUEST_ID_REUSED for another.
absl::StatusOr<std::string> Remembered(PgConnection& connection, const IdempotencyKey& key,
                                       const std::string& fingerprint) {
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows, connection.Run("SELECT fingerprint, response FROM idempotency_keys WHERE "
                                  "organization = $1 AND caller = $2 AND request_id = $3",
                                  KeyParams(key)));
  if (rows.size() != 1) {
    return Unavailable("IDEMPOTENCY_KEY_VANISHED", "the request id was purged meanwhile; retry");
  }
  if (rows.Bytes(0, 0) != fingerprint) return RequestIdReused();
  return rows.Bytes(0, 1);
}

}  // namespace

absl::StatusOr<std::string> PostgresRecordStore::RunUnit(PgConnection& connection,
                                                         PostgresTables& tables, WriteUnit& unit) {
  CASEWORK_RETURN_IF_ERROR(connection.Exec("SAVEPOINT unit"));
  const IdempotencyKey& key = unit.idempotency;
  const std::string fingerprint = Digest(unit.fingerprint);
  std::optional<absl::StatusOr<std::string>> result;
  if (!key.request_id.empty()) {
    // Claim the key before the work: a concurrent unit with the same key waits for this
    // transaction, then is refused (serialization failure) and on its retry finds the response.
    absl::StatusOr<PgRows> claim = connection.Run(
        "INSERT INTO idempotency_keys (organization, caller, request_id, fingerprint, response, "
        "create_time) VALUES ($1, $2, $3, $4, '', $5) ON CONFLICT DO NOTHING",
        KeyParams(key).Bytes(fingerprint).Int(absl::ToUnixMicros(clock_.Now())));
    if (!claim.ok()) {
      result = claim.status();
    } else if (claim->affected() == 0) {
      result = Remembered(connection, key, fingerprint);
    }
  }
  if (!result.has_value()) {  // not seen before: run it and remember the answer
    result = unit.work(tables);
    if (result->ok() && connection.in_failed_transaction()) {
      result = absl::InternalError("a statement of the unit failed but the unit went on");
    }
    if (result->ok() && !key.request_id.empty()) {
      absl::StatusOr<PgRows> stored = connection.Run(
          "UPDATE idempotency_keys SET response = $4 WHERE organization = $1 AND "
          "caller = $2 AND request_id = $3",
          KeyParams(key).Bytes(**result));
      if (!stored.ok()) result = stored.status();
    }
  }
  if (!result->ok()) (void)connection.Exec("ROLLBACK TO SAVEPOINT unit");
  if (unit.audit.has_value()) {
    if (absl::Status audited = AppendAudit(tables, *unit.audit, result->status()); !audited.ok()) {
      (void)connection.Exec("ROLLBACK TO SAVEPOINT unit");
      result = Unavailable("COMMIT_FAILED", "the call could not be audited");
    }
  }
  (void)connection.Exec("RELEASE SAVEPOINT unit");
  return *std::move(result);
}

absl::Status PostgresRecordStore::AppendAudit(PostgresTables& tables,
                                              casework::v1::AuditEntry entry,
                                              const absl::Status& outcome) {
  entry.set_outcome(static_cast<google::rpc::Code>(outcome.code()));
  entry.set_reason(outcome.ok() ? std::string() : ErrorReason(outcome));
  *entry.mutable_finish_time() = ToProtoTime(clock_.Now());
  return tables.AppendAudit(entry).status();
}

void PostgresRecordStore::PurgeIdempotencyKeys() {
  const absl::Time now = clock_.Now();
  int64_t last = last_purge_micros_.load();
  if (absl::FromUnixMicros(last) + absl::Minutes(10) > now ||
      !last_purge_micros_.compare_exchange_strong(last, absl::ToUnixMicros(now))) {
    return;  // purged recently, or another writer is purging
  }
  absl::StatusOr<PgConnectionPool::Lease> connection = pool_->Acquire();
  if (!connection.ok()) return;
  // Its own short transaction (autocommit), so it never widens a batch's serializable footprint.
  (void)(*connection)
      ->Run("DELETE FROM idempotency_keys WHERE create_time < $1",
            PgParams().Int(absl::ToUnixMicros(now - options_.idempotency_retention)));
}

}  // namespace casework::records
