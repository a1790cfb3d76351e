// Applies the records store's schema migrations.
#include "services/records/store/sqlite_migrations.h"

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/status/status_macros.h"
#include "services/records/store/table_layout.h"

namespace casework::records {

absl::StatusOr<int> SchemaVersion(SqliteConnection& connection) {
  CASEWORK_RETURN_IF_ERROR(connection.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
      "NULL, apply_time INTEGER NOT NULL)"));
  CASEWORK_ASSIGN_OR_RETURN(auto statement,
                            connection.Prepare("SELECT COALESCE(MAX(version), 0) FROM "
                                               "schema_migrations"));
  CASEWORK_ASSIGN_OR_RETURN(bool row, statement->Step());
  return row ? static_cast<int>(statement->Int(0)) : 0;
}

absl::Status ApplyMigrations(SqliteConnection& connection,
                             const std::vector<Migration>& migrations) {
  CASEWORK_ASSIGN_OR_RETURN(int current, SchemaVersion(connection));
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return absl::FailedPreconditionError(absl::StrCat("the database has schema version ", current,
                                                      " but this binary knows only ", newest,
                                                      "; run a newer casework-records"));
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    CASEWORK_RETURN_IF_ERROR(connection.Exec("BEGIN IMMEDIATE"));
    absl::Status applied = connection.Exec(migration.sql);
    if (applied.ok()) {
      absl::StatusOr<std::unique_ptr<Statement>> record = connection.Prepare(
          "INSERT INTO schema_migrations (version, name, apply_time) VALUES (?, ?, ?)");
      applied = record.ok() ? (*record)
                                  ->Bind(int64_t{migration.version})
                                  .Bind(migration.name)
                                  .Bind(absl::ToUnixMicros(absl::Now()))
                                  .Run()
                            : record.status();
    }
    if (applied.ok()) applied = connection.Exec("COMMIT");
    if (!applied.ok()) {
      (void)connection.Exec("ROLLBACK");
      return absl::InternalError(
          absl::StrCat("migration ", migration.name, " failed: ", applied.message()));
    }
  }
  return absl::OkStatus();
}

namespace {

// One chunk of rows of `column`'s table still without it; false when there were none.
absl::StatusOr<bool> BackfillChunk(SqliteConnection& connection, const LateColumn& column) {
  const char* table = TableOf(column.kind);
  std::vector<std::pair<std::string, Value>> values;
  {
    CASEWORK_ASSIGN_OR_RETURN(
        auto select, connection.Prepare(absl::StrCat("SELECT name, body FROM ", table, " WHERE ",
                                                     column.name, " IS NULL LIMIT 500")));
    while (true) {
      CASEWORK_ASSIGN_OR_RETURN(bool row, select->Step());
      if (!row) break;
      CASEWORK_ASSIGN_OR_RETURN(auto value, LateColumnValue(column, select->Blob(1)));
      values.emplace_back(select->Text(0), std::move(value.second));
    }
  }
  if (values.empty()) return false;
  CASEWORK_RETURN_IF_ERROR(connection.Exec("BEGIN IMMEDIATE"));
  for (const auto& [name, value] : values) {
    absl::StatusOr<std::unique_ptr<Statement>> update = connection.Prepare(
        absl::StrCat("UPDATE ", table, " SET ", column.name, " = ? WHERE name = ?"));
    absl::Status updated = update.status();
    if (updated.ok()) {
      if (std::holds_alternative<int64_t>(value)) {
        (*update)->Bind(std::get<int64_t>(value));
      } else {
        (*update)->Bind(std::get<std::string>(value));
      }
      updated = (*update)->Bind(name).Run();
    }
    if (!updated.ok()) {
      (void)connection.Exec("ROLLBACK");
      return updated;
    }
  }
  CASEWORK_RETURN_IF_ERROR(connection.Exec("COMMIT"));
  return true;
}

}  // namespace

absl::Status BackfillLateColumns(SqliteConnection& connection) {
  for (const LateColumn& column : LateColumns()) {
    while (true) {
      CASEWORK_ASSIGN_OR_RETURN(bool more, BackfillChunk(connection, column));
      if (!more) break;
    }
  }
  return absl::OkStatus();
}

}  // namespace casework::records
