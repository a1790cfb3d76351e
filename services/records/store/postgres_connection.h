// One PostgreSQL connection (libpq) for the records store: RAII handles for the C API, statements
// prepared once per connection and reused, parameters and results in binary format, and
// SQLSTATEs mapped to absl::Status. Adapters return absl::Status, never anything gRPC.
#ifndef SERVICES_RECORDS_STORE_POSTGRES_CONNECTION_H_
#define SERVICES_RECORDS_STORE_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace casework::records {

struct PgConnCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct PgResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgConnHandle = std::unique_ptr<PGconn, PgConnCloser>;
using PgResultHandle = std::unique_ptr<PGresult, PgResultClearer>;

// Where and how to connect. The password never travels in `conninfo` (which may be logged or seen
// in a process list); it comes from `password` (read from a file) or libpq's PGPASSWORD.
struct PgConnectOptions {
  std::string conninfo;  // postgresql://user@host:port/db?sslmode=… or key=value pairs
  std::string password;  // empty: libpq's own sources (PGPASSWORD, ~/.pgpass)
  absl::Duration connect_timeout = absl::Seconds(10);
};

// INVALID_ARGUMENT when `conninfo` does not parse or carries a password.
absl::Status CheckConnInfo(const std::string& conninfo);

// The parameters of one statement, each with its type, sent in binary format.
class PgParams {
 public:
  PgParams& Text(absl::string_view text);
  PgParams& Int(int64_t number);
  PgParams& Bytes(absl::string_view bytes);

  int size() const { return static_cast<int>(values_.size()); }
  const std::vector<Oid>& types() const { return types_; }
  // Pointers into this object: valid while it lives unchanged.
  std::vector<const char*> values() const;
  std::vector<int> lengths() const;

 private:
  std::vector<std::string> values_;
  std::vector<Oid> types_;
};

// The rows of a statement's result, in binary format.
class PgRows {
 public:
  explicit PgRows(PgResultHandle result) : result_(std::move(result)) {}

  int size() const { return PQntuples(result_.get()); }
  // Rows the statement inserted, updated or deleted.
  int64_t affected() const;
  std::string Bytes(int row, int column) const;  // text or bytea
  int64_t Int(int row, int column) const;        // int8 or int4

 private:
  PgResultHandle result_;
};

class PgConnection {
 public:
  static absl::StatusOr<std::unique_ptr<PgConnection>> Open(const PgConnectOptions& options);

  // Runs `sql` (one or more statements, no parameters) with the simple query protocol.
  absl::Status Exec(absl::string_view sql);
  // Runs `sql` with `params` as a statement prepared on this connection at its first use.
  absl::StatusOr<PgRows> Run(const std::string& sql, const PgParams& params = PgParams());

  // The connection is lost (the server went away or the socket broke): discard it.
  bool broken() const { return PQstatus(connection_.get()) != CONNECTION_OK; }
  // Inside a transaction that an error has aborted (only ROLLBACK [TO SAVEPOINT] works).
  bool in_failed_transaction() const {
    return PQtransactionStatus(connection_.get()) == PQTRANS_INERROR;
  }
  // Whether a statement failed with a serialization failure or a deadlock since the last
  // ClearRetryable(): the transaction must be rolled back and run again from the start.
  bool retryable_failure() const { return retryable_failure_; }
  void ClearRetryable() { retryable_failure_ = false; }

  PGconn* raw() const { return connection_.get(); }

 private:
  explicit PgConnection(PgConnHandle connection) : connection_(std::move(connection)) {}
  // The status of a finished command; records retryable failures.
  absl::Status Check(const PGresult* result, absl::string_view what);

  PgConnHandle connection_;
  absl::flat_hash_map<std::string, std::string> prepared_;  // sql → statement name
  bool retryable_failure_ = false;
};

// Maps a failed command to a status by its SQLSTATE: unique violation → ALREADY_EXISTS, other
// integrity violations → FAILED_PRECONDITION, serialization failure, deadlock, connection and
// resource errors → UNAVAILABLE (STORE_UNAVAILABLE), anything else → INTERNAL.
absl::Status PgError(absl::string_view sqlstate, absl::string_view message);

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_POSTGRES_CONNECTION_H_
