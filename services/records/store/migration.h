// A versioned schema migration of the records store: a .sql file named <version>_<what>.sql,
// embedded into the binary at build time by embed_migrations.cmake. The SQLite store's live in
// migrations/, the PostgreSQL store's in postgres_migrations/.
#ifndef SERVICES_RECORDS_STORE_MIGRATION_H_
#define SERVICES_RECORDS_STORE_MIGRATION_H_

namespace casework::records {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_MIGRATION_H_
