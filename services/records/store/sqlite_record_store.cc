// Threads, queues, group commit, idempotency and audit of the SQLite records store.
#include "services/records/store/sqlite_record_store.h"

#include "absl/strings/str_cat.h"
#include "libs/status/errors.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/proto_time.h"
#include "services/records/store/sqlite_migrations.h"
#include "services/records/store/store_replies.h"

namespace casework::records {
namespace {

using stores::Digest;
using stores::RequestIdReused;
using stores::Unavailable;

}  // namespace

SqliteRecordStore::SqliteRecordStore(SqliteStoreOptions options, const Clock& clock)
    : options_(std::move(options)),
      clock_(clock),
      reads_(options_.queue_capacity),
      writes_(options_.queue_capacity) {}

absl::StatusOr<std::unique_ptr<SqliteRecordStore>> SqliteRecordStore::Open(
    SqliteStoreOptions options, const Clock& clock) {
  if (options.readers < 1 || options.max_batch < 1 || options.queue_capacity < 1) {
    return absl::InvalidArgumentError("the store needs a reader, a batch and a queue");
  }
  CASEWORK_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> writer,
                            SqliteConnection::Open(options.path));
  CASEWORK_RETURN_IF_ERROR(ApplyMigrations(*writer, EmbeddedMigrations()));
  CASEWORK_RETURN_IF_ERROR(BackfillLateColumns(*writer));
  std::vector<std::unique_ptr<SqliteConnection>> readers;
  for (int i = 0; i < options.readers; ++i) {
    CASEWORK_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> reader,
                              SqliteConnection::Open(options.path));
    CASEWORK_RETURN_IF_ERROR(reader->Exec("PRAGMA query_only=1"));
    readers.push_back(std::move(reader));
  }
  std::unique_ptr<SqliteRecordStore> store(new SqliteRecordStore(std::move(options), clock));
  SqliteRecordStore* raw = store.get();
  for (auto& reader : readers) {
    store->readers_.emplace_back([raw, connection = std::move(reader)]() mutable {
      raw->ReaderLoop(std::move(connection));
    });
  }
  store->writer_ = std::thread(
      [raw, connection = std::move(writer)]() mutable { raw->WriterLoop(std::move(connection)); });
  return store;
}

SqliteRecordStore::~SqliteRecordStore() {
  reads_.Close();
  for (std::thread& reader : readers_) reader.join();
  writes_.Close();  // after the readers: their audit entries still go to the writer
  writer_.join();
}

void SqliteRecordStore::Read(ReadWork work, std::optional<casework::v1::AuditEntry> audit,
                             WorkDone done) {
  ReadJob job{std::move(work), std::move(audit), std::move(done)};
  if (!reads_.TryPush(job)) {
    job.done(Unavailable("QUEUE_FULL", "the records store is overloaded; retry later"));
  }
}

void SqliteRecordStore::Write(WriteUnit unit, WorkDone done) {
  EnqueueWrite(WriteJob{std::move(unit), std::nullopt, std::string(), std::move(done)});
}

void SqliteRecordStore::EnqueueWrite(WriteJob job) {
  if (!writes_.TryPush(job)) {
    job.done(Unavailable("QUEUE_FULL", "the records store is overloaded; retry later"));
  }
}

void SqliteRecordStore::ReaderLoop(std::unique_ptr<SqliteConnection> connection) {
  SqliteTables tables(*connection);
  std::vector<ReadJob> batch;
  while (reads_.PopBatch(1, batch)) {
    for (ReadJob& job : batch) {
      absl::Status began = connection->Exec("BEGIN");
      absl::StatusOr<std::string> result =
          began.ok() ? job.work(tables) : absl::StatusOr<std::string>(began);
      (void)connection->Exec("COMMIT");
      if (!job.audit.has_value()) {
        job.done(std::move(result));
        continue;
      }
      // The read answers once its audit entry is durable: fail closed, never unaudited.
      EnqueueWrite(
          WriteJob{std::nullopt, std::move(job.audit), std::move(result), std::move(job.done)});
    }
    batch.clear();
  }
}

void SqliteRecordStore::WriterLoop(std::unique_ptr<SqliteConnection> connection) {
  std::vector<WriteJob> batch;
  while (writes_.PopBatch(options_.max_batch, batch)) {
    CommitBatch(*connection, batch);
    for (WriteJob& job : batch) job.done(std::move(job.result));
    batch.clear();
  }
}

void SqliteRecordStore::CommitBatch(SqliteConnection& connection, std::vector<WriteJob>& batch) {
  SqliteTables tables(connection);
  absl::Status began = connection.Exec("BEGIN IMMEDIATE");
  if (!began.ok()) {
    for (WriteJob& job : batch) job.result = began;
    return;
  }
  for (WriteJob& job : batch) {
    if (job.unit.has_value()) {
      job.result = RunUnit(connection, tables, *job.unit);
    } else if (absl::Status audited = AppendAudit(tables, *job.read_audit, job.result.status());
               !audited.ok()) {
      job.result = Unavailable("COMMIT_FAILED", "the call could not be audited");
    }
  }
  const absl::Time now = clock_.Now();
  if (now - last_purge_ > absl::Minutes(10)) {
    last_purge_ = now;
    absl::StatusOr<std::unique_ptr<Statement>> purge =
        connection.Prepare("DELETE FROM idempotency_keys WHERE create_time < ?");
    if (purge.ok()) {
      (void)(*purge)->Bind(absl::ToUnixMicros(now - options_.idempotency_retention)).Run();
    }
  }
  if (absl::Status committed = connection.Exec("COMMIT"); !committed.ok()) {
    (void)connection.Exec("ROLLBACK");
    for (WriteJob& job : batch) {
      job.result = Unavailable("COMMIT_FAILED", "the write could not be made durable; retry");
    }
    return;
  }
  ++commits_;
}

namespace {

// The stored answer to an earlier unit with this key: its response for the same fingerprint,
// REQUEST_ID_REUSED for another; nullopt when the key is new.
std::optional<absl::StatusOr<std::string>> Remembered(SqliteConnection& connection,
                                                      const IdempotencyKey& key,
                                                      const std::string& fingerprint) {
  absl::StatusOr<std::unique_ptr<Statement>> lookup = connection.Prepare(
      "SELECT fingerprint, response FROM idempotency_keys WHERE "
      "organization = ? AND caller = ? AND request_id = ?");
  if (!lookup.ok()) return lookup.status();
  (*lookup)->Bind(key.organization).Bind(key.caller).Bind(key.request_id);
  absl::StatusOr<bool> row = (*lookup)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::nullopt;
  if ((*lookup)->Blob(0) != fingerprint) return absl::StatusOr<std::string>(RequestIdReused());
  return absl::StatusOr<std::string>((*lookup)->Blob(1));
}

absl::Status Remember(SqliteConnection& connection, const IdempotencyKey& key,
                      const std::string& fingerprint, const std::string& response, absl::Time now) {
  absl::StatusOr<std::unique_ptr<Statement>> insert = connection.Prepare(
      "INSERT INTO idempotency_keys (organization, caller, request_id, fingerprint, response, "
      "create_time) VALUES (?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.status();
  return (*insert)
      ->Bind(key.organization)
      .Bind(key.caller)
      .Bind(key.request_id)
      .BindBlob(fingerprint)
      .BindBlob(response)
      .Bind(absl::ToUnixMicros(now))
      .Run();
}

}  // namespace

absl::StatusOr<std::string> SqliteRecordStore::RunUnit(SqliteConnection& connection,
                                                       SqliteTables& tables, WriteUnit& unit) {
  CASEWORK_RETURN_IF_ERROR(connection.Exec("SAVEPOINT unit"));
  const IdempotencyKey& key = unit.idempotency;
  const std::string fingerprint = Digest(unit.fingerprint);
  std::optional<absl::StatusOr<std::string>> result;
  if (!key.request_id.empty()) result = Remembered(connection, key, fingerprint);
  if (!result.has_value()) {  // not seen before: run it and remember the answer
    result = unit.work(tables);
    if (result->ok() && !key.request_id.empty()) {
      if (absl::Status stored = Remember(connection, key, fingerprint, **result, clock_.Now());
          !stored.ok()) {
        result = stored;
      }
    }
  }
  if (!result->ok()) (void)connection.Exec("ROLLBACK TO unit");
  if (unit.audit.has_value()) {
    if (absl::Status audited = AppendAudit(tables, *unit.audit, result->status()); !audited.ok()) {
      (void)connection.Exec("ROLLBACK TO unit");
      result = Unavailable("COMMIT_FAILED", "the call could not be audited");
    }
  }
  (void)connection.Exec("RELEASE unit");
  return *std::move(result);
}

absl::Status SqliteRecordStore::AppendAudit(SqliteTables& tables, casework::v1::AuditEntry entry,
                                            const absl::Status& outcome) {
  entry.set_outcome(static_cast<google::rpc::Code>(outcome.code()));
  entry.set_reason(outcome.ok() ? std::string() : ErrorReason(outcome));
  *entry.mutable_finish_time() = ToProtoTime(clock_.Now());
  return tables.AppendAudit(entry).status();
}

}  // namespace casework::records
