// Applies the records store's schema migrations.
#include "services/records/store/sqlite_migrations.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/status/status_macros.h"

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

}  // namespace casework::records
