// A Redis reply as a plain value, copied out of hiredis's redisReply so it can outlive the
// callback and cross threads.
#ifndef LIBS_REDIS_REDIS_VALUE_H_
#define LIBS_REDIS_REDIS_VALUE_H_

#include <cstdint>
#include <string>
#include <vector>

struct redisReply;

namespace casework::redis {

struct RedisValue {
  enum class Type { kNil, kString, kStatus, kError, kInteger, kArray };

  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<RedisValue> elements;  // kArray

  static RedisValue FromReply(const redisReply& reply);
  bool is_error() const { return type == Type::kError; }
  bool is_nil() const { return type == Type::kNil; }
};

}  // namespace casework::redis

#endif  // LIBS_REDIS_REDIS_VALUE_H_
