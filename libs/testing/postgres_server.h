// A private PostgreSQL server for tests (Debian's postgresql 15): `initdb` in a fresh temporary
// directory, password authentication (scram-sha-256, a random password in a file), a unix socket
// in that directory and no TCP listener (listen_addresses=''), fsync and synchronous_commit on,
// stopped by its PID. Never a system cluster. PostgreSQL refuses to run as root, so when the test
// runs as root the server runs as the unprivileged user `nobody` (setpriv), which owns the
// directory; the server dies with the test (parent-death signal).
#ifndef LIBS_TESTING_POSTGRES_SERVER_H_
#define LIBS_TESTING_POSTGRES_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/testing/process.h"

namespace casework::testing {

class PostgresServer {
 public:
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();  // fast shutdown (SIGINT) by PID, SIGKILL if it lingers; removes the directory

  // Creates an empty database owned by the server's user.
  absl::Status CreateDatabase(const std::string& name);
  // A postgresql:// URI for `database` over the unix socket; it carries no password.
  std::string Uri(const std::string& database) const;
  const std::string& password() const { return password_; }
  // A file holding the password (for --store_password_file).
  std::string password_file() const { return dir_ + "/password"; }
  const std::string& dir() const { return dir_; }
  pid_t pid() const { return process_->pid(); }

  void Stop();             // fast shutdown (SIGINT) by PID; the data stays
  absl::Status Restart();  // start again on the same directory, wait until it accepts connections

 private:
  PostgresServer() = default;
  absl::Status InitDb();
  absl::Status Launch();
  // argv run as the unprivileged user when the test is root.
  std::vector<std::string> Unprivileged(std::vector<std::string> argv) const;

  std::string dir_;
  std::string password_;
  std::unique_ptr<ChildProcess> process_;
};

// Where Debian's postgresql-15 keeps initdb and postgres.
inline constexpr char kPostgresBinDir[] = "/usr/lib/postgresql/15/bin";

}  // namespace casework::testing

#endif  // LIBS_TESTING_POSTGRES_SERVER_H_
