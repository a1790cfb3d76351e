// Private PostgreSQL servers for tests.
#include "libs/testing/postgres_server.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace casework::testing {
namespace {

constexpr char kUser[] = "casework";

std::string RandomPassword() {
  std::random_device random;
  std::string password;
  for (int i = 0; i < 4; ++i) absl::StrAppend(&password, absl::Hex(random(), absl::kZeroPad8));
  return password;
}

// The unprivileged account PostgreSQL runs as when the test is root.
const passwd* Nobody() { return getpwnam("nobody"); }

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  static std::atomic<int> counter{0};
  std::unique_ptr<PostgresServer> server(new PostgresServer);
  server->dir_ = (std::filesystem::temp_directory_path() /
                  absl::StrCat("casework-pg-", getpid(), "-", counter++))
                     .string();
  std::error_code ignored;
  std::filesystem::remove_all(server->dir_, ignored);
  std::filesystem::create_directories(server->dir_);
  chmod(server->dir_.c_str(), 0700);
  server->password_ = RandomPassword();
  {
    std::ofstream file(server->password_file());
    file << server->password_ << "\n";
  }
  chmod(server->password_file().c_str(), 0600);
  if (geteuid() == 0) {
    const passwd* nobody = Nobody();
    if (nobody == nullptr) return absl::FailedPreconditionError("no user `nobody` to run postgres");
    if (chown(server->dir_.c_str(), nobody->pw_uid, nobody->pw_gid) != 0 ||
        chown(server->password_file().c_str(), nobody->pw_uid, nobody->pw_gid) != 0) {
      return absl::InternalError(absl::StrCat("cannot give ", server->dir_, " to nobody"));
    }
  }
  if (absl::Status made = server->InitDb(); !made.ok()) return made;
  if (absl::Status launched = server->Launch(); !launched.ok()) return launched;
  return server;
}

std::vector<std::string> PostgresServer::Unprivileged(std::vector<std::string> argv) const {
  if (geteuid() != 0) return argv;
  const passwd* nobody = Nobody();
  // setpriv execs the program in place (same PID); the uid change clears the parent-death
  // signal, so setpriv sets it again after the change.
  std::vector<std::string> wrapped = {"/usr/bin/setpriv",
                                      absl::StrCat("--reuid=", nobody->pw_uid),
                                      absl::StrCat("--regid=", nobody->pw_gid),
                                      "--clear-groups",
                                      "--pdeathsig=KILL",
                                      "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

absl::Status PostgresServer::InitDb() {
  // --no-sync: initdb's own final flush of the new cluster; the server itself runs with fsync.
  auto initdb = ChildProcess::Start(
      Unprivileged({absl::StrCat(kPostgresBinDir, "/initdb"), "-D", dir_ + "/data", "-U", kUser,
                    "--auth=scram-sha-256", absl::StrCat("--pwfile=", password_file()), "-E",
                    "UTF8", "--locale=C", "--no-instructions", "--no-sync"}),
      dir_ + "/initdb.log");
  if (!initdb.ok()) return initdb.status();
  std::optional<int> status = (*initdb)->WaitForExit(absl::Seconds(60));
  if (!status.has_value() || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return absl::InternalError(absl::StrCat("initdb failed; see ", dir_, "/initdb.log"));
  }
  return absl::OkStatus();
}

absl::Status PostgresServer::Launch() {
  auto process = ChildProcess::Start(
      Unprivileged({absl::StrCat(kPostgresBinDir, "/postgres"), "-D", dir_ + "/data", "-c",
                    "listen_addresses=", "-c", absl::StrCat("unix_socket_directories=", dir_), "-c",
                    "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on", "-c",
                    "max_connections=100", "-c", "shared_buffers=64MB"}),
      dir_ + "/postgres.log");
  if (!process.ok()) return process.status();
  process_ = *std::move(process);
  // Readiness has no event to wait on: ping until the server accepts connections, bounded.
  const std::string conninfo = absl::StrCat("host=", dir_, " dbname=postgres user=", kUser);
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (PQping(conninfo.c_str()) != PQPING_OK) {
    if (absl::Now() > deadline || process_->WaitForExit(absl::ZeroDuration()).has_value()) {
      return absl::UnavailableError(absl::StrCat("postgres did not start; see ", dir_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::OkStatus();
}

void PostgresServer::Stop() {
  if (process_ == nullptr) return;
  process_->Signal(SIGINT);  // fast shutdown: disconnects clients, checkpoints, exits
  process_->WaitForExit(absl::Seconds(20));
  process_.reset();  // SIGKILL and reap if it is still there
}

absl::Status PostgresServer::Restart() {
  Stop();
  return Launch();
}

PostgresServer::~PostgresServer() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PostgresServer::Uri(const std::string& database) const {
  return absl::StrCat("postgresql://", kUser, "@/", database, "?host=", dir_);
}

absl::Status PostgresServer::CreateDatabase(const std::string& name) {
  const char* keywords[] = {"host", "dbname", "user", "password", nullptr};
  const char* values[] = {dir_.c_str(), "postgres", kUser, password_.c_str(), nullptr};
  PGconn* connection = PQconnectdbParams(keywords, values, 0);
  absl::Status status;
  if (PQstatus(connection) != CONNECTION_OK) {
    status = absl::UnavailableError(PQerrorMessage(connection));
  } else {
    PGresult* result = PQexec(connection, absl::StrCat("CREATE DATABASE \"", name, "\"").c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      status = absl::InternalError(PQresultErrorMessage(result));
    }
    PQclear(result);
  }
  PQfinish(connection);
  return status;
}

}  // namespace casework::testing
