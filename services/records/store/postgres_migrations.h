// Versioned schema migrations of the PostgreSQL records store (postgres_migrations/*.sql,
// embedded at build time), applied at start-up under a session advisory lock: replicas starting
// together take turns, and each finds what the one before it applied. Applied versions are
// recorded in `schema_migrations`, each migration in its own transaction. A database whose
// schema is newer than the binary's migrations is refused.
#ifndef SERVICES_RECORDS_STORE_POSTGRES_MIGRATIONS_H_
#define SERVICES_RECORDS_STORE_POSTGRES_MIGRATIONS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/records/store/migration.h"
#include "services/records/store/postgres_connection.h"

namespace casework::records {

// The advisory lock key that serialises migrations ("casework" in ASCII).
inline constexpr int64_t kMigrationLockKey = 0x63617365776f726b;

// The migrations compiled into this binary, in version order.
const std::vector<Migration>& EmbeddedPostgresMigrations();

absl::Status ApplyPostgresMigrations(PgConnection& connection,
                                     const std::vector<Migration>& migrations);

// The highest applied version (0 for a new database).
absl::StatusOr<int> PostgresSchemaVersion(PgConnection& connection);

// Fills the list columns a migration added (LateColumns in table_layout.h) in rows stored before
// it, from their bodies, a few hundred rows per query; idempotent, so replicas starting together
// may both run it. Finds nothing to do, at once, when every row has them.
absl::Status BackfillPostgresLateColumns(PgConnection& connection);

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_POSTGRES_MIGRATIONS_H_
