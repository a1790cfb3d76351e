// A private redis-server for tests, started with the project's deploy/redis/redis.conf on a free
// loopback port with its data in a temporary directory, and stopped by its PID. Kill9/Restart
// exercise durability (the AOF in the same directory is reloaded); Pause/Resume (SIGSTOP/SIGCONT)
// simulate a stalled server.
#ifndef LIBS_TESTING_REDIS_SERVER_H_
#define LIBS_TESTING_REDIS_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/testing/process.h"

namespace casework::testing {

class RedisServer {
 public:
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start();
  ~RedisServer();  // stops the server and removes its directory

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

  void Kill9();            // SIGKILL and reap: acknowledged writes must survive
  absl::Status Restart();  // start again on the same port and directory, wait until ready
  void Pause();            // SIGSTOP
  void Resume();           // SIGCONT

 private:
  RedisServer() = default;
  absl::Status Launch();

  int port_ = 0;
  std::string dir_;
  std::unique_ptr<ChildProcess> process_;
};

// The project's redis.conf (the file tests must use, never a distribution default).
std::string ProjectRedisConfig();

}  // namespace casework::testing

#endif  // LIBS_TESTING_REDIS_SERVER_H_
