// Applies the PostgreSQL records store's schema migrations under an advisory lock.
#include "services/records/store/postgres_migrations.h"

#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/status/status_macros.h"
#include "services/records/store/table_layout.h"

namespace casework::records {
namespace {

absl::Status ApplyLocked(PgConnection& connection, const std::vector<Migration>& migrations) {
  CASEWORK_ASSIGN_OR_RETURN(int current, PostgresSchemaVersion(connection));
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return absl::FailedPreconditionError(absl::StrCat("the database has schema version ", current,
                                                      " but this binary knows only ", newest,
                                                      "; run a newer casework-records"));
  }
  for (const Migration& migration : migrations) {
    if (migration.version <= current) continue;
    CASEWORK_RETURN_IF_ERROR(connection.Exec("BEGIN"));
    absl::Status applied = connection.Exec(migration.sql);
    if (applied.ok()) {
      applied = connection
                    .Run(
                        "INSERT INTO schema_migrations (version, name, apply_time) "
                        "VALUES ($1, $2, $3)",
                        PgParams()
                            .Int(migration.version)
                            .Text(migration.name)
                            .Int(absl::ToUnixMicros(absl::Now())))
                    .status();
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

// One chunk of rows of `column`'s table still without it; false when there were none. Each row's
// UPDATE commits on its own (autocommit): an interrupted backfill resumes where it stopped.
absl::StatusOr<bool> BackfillChunk(PgConnection& connection, const LateColumn& column) {
  const char* table = TableOf(column.kind);
  CASEWORK_ASSIGN_OR_RETURN(PgRows rows,
                            connection.Run(absl::StrCat("SELECT name, body FROM ", table, " WHERE ",
                                                        column.name, " IS NULL LIMIT 500")));
  for (int row = 0; row < rows.size(); ++row) {
    CASEWORK_ASSIGN_OR_RETURN(auto value, LateColumnValue(column, rows.Bytes(row, 1)));
    PgParams params;
    if (std::holds_alternative<int64_t>(value.second)) {
      params.Int(std::get<int64_t>(value.second));
    } else {
      params.Text(std::get<std::string>(value.second));
    }
    CASEWORK_RETURN_IF_ERROR(
        connection
            .Run(absl::StrCat("UPDATE ", table, " SET ", column.name, " = $1 WHERE name = $2 AND ",
                              column.name, " IS NULL"),
                 params.Text(rows.Bytes(row, 0)))
            .status());
  }
  return rows.size() > 0;
}

}  // namespace

absl::Status BackfillPostgresLateColumns(PgConnection& connection) {
  for (const LateColumn& column : LateColumns()) {
    while (true) {
      CASEWORK_ASSIGN_OR_RETURN(bool more, BackfillChunk(connection, column));
      if (!more) break;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> PostgresSchemaVersion(PgConnection& connection) {
  CASEWORK_RETURN_IF_ERROR(connection.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT "
      "NULL, apply_time BIGINT NOT NULL)"));
  CASEWORK_ASSIGN_OR_RETURN(PgRows rows, connection.Run("SELECT COALESCE(MAX(version), 0) FROM "
                                                        "schema_migrations"));
  return rows.size() == 1 ? static_cast<int>(rows.Int(0, 0)) : 0;
}

absl::Status ApplyPostgresMigrations(PgConnection& connection,
                                     const std::vector<Migration>& migrations) {
  // A replica that cannot get the lock within a minute (another one stuck mid-migration) fails
  // its start-up rather than hanging; the orchestrator restarts it.
  CASEWORK_RETURN_IF_ERROR(connection.Exec("SET lock_timeout = '60s'"));
  CASEWORK_RETURN_IF_ERROR(
      connection.Run("SELECT pg_advisory_lock($1)", PgParams().Int(kMigrationLockKey)).status());
  absl::Status applied = ApplyLocked(connection, migrations);
  absl::Status unlocked =
      connection.Run("SELECT pg_advisory_unlock($1)", PgParams().Int(kMigrationLockKey)).status();
  (void)connection.Exec("SET lock_timeout = 0");
  if (!applied.ok()) return applied;
  return unlocked;
}

}  // namespace casework::records
