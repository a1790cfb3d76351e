// SQLite connections and statements.
#include "services/records/store/sqlite_connection.h"

#include "absl/strings/str_cat.h"
#include "libs/status/errors.h"

namespace casework::records {

absl::Status SqliteError(sqlite3* db, int code, absl::string_view what) {
  const std::string detail =
      absl::StrCat(what, ": ", db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code));
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE) {
        return absl::AlreadyExistsError(detail);
      }
      return absl::FailedPreconditionError(detail);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return Error(absl::StatusCode::kUnavailable, "STORE_UNAVAILABLE", detail,
                   {{"cause", "COMMIT_FAILED"}});
    default:
      return absl::InternalError(detail);
  }
}

Statement::~Statement() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

Statement& Statement::Bind(absl::string_view text) {
  sqlite3_bind_text(statement_, next_index_++, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::Bind(int64_t number) {
  sqlite3_bind_int64(statement_, next_index_++, number);
  return *this;
}

Statement& Statement::BindBlob(absl::string_view bytes) {
  sqlite3_bind_blob(statement_, next_index_++, bytes.data(), static_cast<int>(bytes.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(statement_);
  return SqliteError(db, sqlite3_extended_errcode(db), "statement failed");
}

absl::Status Statement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  return text == nullptr ? std::string()
                         : std::string(reinterpret_cast<const char*>(text),
                                       sqlite3_column_bytes(statement_, column));
}

std::string Statement::Blob(int column) const {
  const void* bytes = sqlite3_column_blob(statement_, column);
  return bytes == nullptr ? std::string()
                          : std::string(static_cast<const char*>(bytes),
                                        sqlite3_column_bytes(statement_, column));
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int code =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteHandle db(raw);
  if (code != SQLITE_OK) return SqliteError(raw, code, absl::StrCat("cannot open ", path));
  sqlite3_extended_result_codes(raw, 1);
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(std::move(db)));
  // WAL lets readers run beside the one writer; FULL syncs the WAL on every commit, so a
  // committed transaction survives power loss, not only a crash of the process.
  for (absl::string_view pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                                   "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"}) {
    if (absl::Status status = connection->Exec(pragma); !status.ok()) return status;
  }
  return connection;
}

absl::Status SqliteConnection::Exec(absl::string_view sql) {
  char* message = nullptr;
  const int code = sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (code != SQLITE_OK) {
    return SqliteError(db_.get(), sqlite3_extended_errcode(db_.get()), sql.substr(0, 60));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Statement>> SqliteConnection::Prepare(const std::string& sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int code = sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (code != SQLITE_OK) return SqliteError(db_.get(), code, absl::StrCat("prepare ", sql));
    found = statements_.emplace(sql, StatementHandle(raw)).first;
  }
  return std::make_unique<Statement>(found->second.get());
}

}  // namespace casework::records
