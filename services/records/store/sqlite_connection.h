// One SQLite connection with the records store's settings (WAL, synchronous=FULL, foreign keys,
// busy timeout), RAII handles for the C API, and a small statement cursor. Adapters return
// absl::Status, never anything gRPC.
#ifndef SERVICES_RECORDS_STORE_SQLITE_CONNECTION_H_
#define SERVICES_RECORDS_STORE_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casework::records {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct SqliteFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, SqliteFinalizer>;

// A prepared statement in use: binds, steps, reads columns; resets itself when it goes out of
// scope so the cached statement can be used again.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* statement) : statement_(statement) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& Bind(absl::string_view text);
  Statement& Bind(int64_t number);
  Statement& BindBlob(absl::string_view bytes);

  // True while rows come; an error for anything but SQLITE_ROW / SQLITE_DONE.
  absl::StatusOr<bool> Step();
  absl::Status Run();  // steps to the end

  int64_t Int(int column) const { return sqlite3_column_int64(statement_, column); }
  std::string Text(int column) const;
  std::string Blob(int column) const;

 private:
  sqlite3_stmt* statement_;
  int next_index_ = 1;
};

class SqliteConnection {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::string& path);

  absl::Status Exec(absl::string_view sql);
  // A cached prepared statement for `sql`.
  absl::StatusOr<std::unique_ptr<Statement>> Prepare(const std::string& sql);
  int64_t Changes() const { return sqlite3_changes64(db_.get()); }
  sqlite3* db() const { return db_.get(); }

 private:
  explicit SqliteConnection(SqliteHandle db) : db_(std::move(db)) {}
  SqliteHandle db_;
  absl::flat_hash_map<std::string, StatementHandle> statements_;
};

// Maps an SQLite result code to a status: constraint violations of unique keys → ALREADY_EXISTS,
// busy/locked/full/I/O → UNAVAILABLE (STORE_UNAVAILABLE), anything else → INTERNAL.
absl::Status SqliteError(sqlite3* db, int code, absl::string_view what);

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_SQLITE_CONNECTION_H_
