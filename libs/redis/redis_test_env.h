// For tests: a private redis-server (the project's config) and a healthy RedisClient on it.
#ifndef LIBS_REDIS_REDIS_TEST_ENV_H_
#define LIBS_REDIS_REDIS_TEST_ENV_H_

#include <memory>

#include "absl/status/statusor.h"
#include "libs/redis/redis_client.h"
#include "libs/testing/redis_server.h"

namespace casework::redis {

struct RedisTestEnv {
  std::unique_ptr<testing::RedisServer> server;
  std::unique_ptr<RedisClient> client;  // destroyed first (declared last)

  // `options` is used for timeouts; host and port are the private server's.
  static absl::StatusOr<RedisTestEnv> Start(RedisOptions options = {});
};

}  // namespace casework::redis

#endif  // LIBS_REDIS_REDIS_TEST_ENV_H_
