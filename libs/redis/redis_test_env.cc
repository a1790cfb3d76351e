// RedisTestEnv::Start.
#include "libs/redis/redis_test_env.h"

namespace casework::redis {

absl::StatusOr<RedisTestEnv> RedisTestEnv::Start(RedisOptions options) {
  RedisTestEnv env;
  auto server = testing::RedisServer::Start();
  if (!server.ok()) return server.status();
  env.server = *std::move(server);
  options.host = "127.0.0.1";
  options.port = env.server->port();
  env.client = RedisClient::Start(options);
  if (!env.client->WaitUntilHealthy(absl::Seconds(10))) {
    return absl::UnavailableError("the private redis-server did not become reachable");
  }
  return env;
}

}  // namespace casework::redis
