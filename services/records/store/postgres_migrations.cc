// Applies the PostgreSQL records store's schema migrations under an advisory lock.
#include "services/records/store/postgres_migrations.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/status/status_macros.h"

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

}  // namespace

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
