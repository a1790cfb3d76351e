// A Lua script run by its SHA (EVALSHA), falling back to sending its body (EVAL) when Redis does
// not know it — after a restart or failover the script cache is empty.
#ifndef LIBS_REDIS_REDIS_SCRIPT_H_
#define LIBS_REDIS_REDIS_SCRIPT_H_

#include <string>
#include <vector>

#include "libs/redis/redis_client.h"

namespace casework::redis {

class RedisScript {
 public:
  explicit RedisScript(std::string source);

  void Run(RedisClient& client, std::vector<std::string> keys, std::vector<std::string> args,
           RedisClient::ReplyCallback done) const;

  const std::string& sha() const { return sha_; }

 private:
  std::string source_;
  std::string sha_;
};

}  // namespace casework::redis

#endif  // LIBS_REDIS_REDIS_SCRIPT_H_
