// The private PostgreSQL server of the PostgreSQL store's tests (libs/testing/postgres_server.h):
// one server per test process (ctest runs each test in its own process), stopped and removed when
// the process exits; a fresh database per store; direct connections for checking what a store
// left behind.
#ifndef SERVICES_RECORDS_STORE_POSTGRES_TEST_DATABASE_H_
#define SERVICES_RECORDS_STORE_POSTGRES_TEST_DATABASE_H_

#include <memory>
#include <string>

#include "libs/testing/postgres_server.h"
#include "services/records/store/postgres_connection.h"
#include "services/records/store/postgres_record_store.h"

namespace casework::records::pgtest {

// The process's server; nullptr (with a test failure) when it could not start.
testing::PostgresServer* Server();
// Creates a database of its own on Server() and returns its name.
std::string NewDatabase();
// Store options for `database` on Server().
PostgresStoreOptions OptionsFor(const std::string& database);
// A direct connection to `database` (nullptr, with a test failure, when it cannot connect).
std::unique_ptr<PgConnection> Connect(const std::string& database);

}  // namespace casework::records::pgtest

#endif  // SERVICES_RECORDS_STORE_POSTGRES_TEST_DATABASE_H_
