// Versioned schema migrations of the records store, applied at start-up. Each migration is a .sql
// file in services/records/store/migrations/ named <version>_<what>.sql, embedded into the binary
// at build time; applied ones are recorded in `schema_migrations`, each in its own transaction.
// A database whose schema is newer than the binary's migrations is refused.
#ifndef SERVICES_RECORDS_STORE_SQLITE_MIGRATIONS_H_
#define SERVICES_RECORDS_STORE_SQLITE_MIGRATIONS_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/records/store/migration.h"
#include "services/records/store/sqlite_connection.h"

namespace casework::records {

// The migrations compiled into this binary, in version order.
const std::vector<Migration>& EmbeddedMigrations();

absl::Status ApplyMigrations(SqliteConnection& connection,
                             const std::vector<Migration>& migrations);

// The highest applied version (0 for a new database).
absl::StatusOr<int> SchemaVersion(SqliteConnection& connection);

// Fills the list columns a migration added (LateColumns in table_layout.h) in rows stored before
// it, from their bodies; a few hundred rows per transaction. Finds nothing to do, at once, when
// every row has them.
absl::Status BackfillLateColumns(SqliteConnection& connection);

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_SQLITE_MIGRATIONS_H_
