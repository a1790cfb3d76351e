// The PostgreSQL store tests' server and databases.
#include "services/records/store/postgres_test_database.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace casework::records::pgtest {

testing::PostgresServer* Server() {
  static std::unique_ptr<testing::PostgresServer> server = [] {
    auto started = testing::PostgresServer::Start();
    EXPECT_TRUE(started.ok()) << started.status();
    return started.ok() ? *std::move(started) : nullptr;
  }();
  return server.get();
}

std::string NewDatabase() {
  static std::atomic<int> counter{0};
  const std::string name = absl::StrCat("records_", counter++);
  absl::Status created = Server()->CreateDatabase(name);
  EXPECT_TRUE(created.ok()) << created;
  return name;
}

PostgresStoreOptions OptionsFor(const std::string& database) {
  PostgresStoreOptions options;
  options.connection.conninfo = Server()->Uri(database);
  options.connection.password = Server()->password();
  return options;
}

std::unique_ptr<PgConnection> Connect(const std::string& database) {
  PgConnectOptions options;
  options.conninfo = Server()->Uri(database);
  options.password = Server()->password();
  auto connection = PgConnection::Open(options);
  EXPECT_TRUE(connection.ok()) << connection.status();
  return connection.ok() ? *std::move(connection) : nullptr;
}

}  // namespace casework::records::pgtest
