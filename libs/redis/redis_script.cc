// EVALSHA with the NOSCRIPT → EVAL fallback.
#include "libs/redis/redis_script.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"

namespace casework::redis {
namespace {

std::string Sha1Hex(const std::string& text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::vector<std::string> Invocation(const char* verb, const std::string& script,
                                    const std::vector<std::string>& keys,
                                    const std::vector<std::string>& args) {
  std::vector<std::string> command = {verb, script, std::to_string(keys.size())};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

}  // namespace

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  sha_ = Sha1Hex(source_);
}

void RedisScript::Run(RedisClient& client, std::vector<std::string> keys,
                      std::vector<std::string> args, RedisClient::ReplyCallback done) const {
  // Built before the callback takes ownership of keys and args (argument order is unspecified).
  std::vector<std::string> evalsha = Invocation("EVALSHA", sha_, keys, args);
  client.Command(
      std::move(evalsha), [this, &client, keys = std::move(keys), args = std::move(args),
                           done = std::move(done)](absl::StatusOr<RedisValue> reply) mutable {
        if (reply.ok() && reply->is_error() && absl::StartsWith(reply->str, "NOSCRIPT")) {
          client.Command(Invocation("EVAL", source_, keys, args), std::move(done));
          return;
        }
        std::move(done)(std::move(reply));
      });
}

}  // namespace casework::redis
