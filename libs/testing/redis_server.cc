// Private redis-server processes for tests.
#include "libs/testing/redis_server.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace casework::testing {
namespace {

// True once the server answers PING (not LOADING) on `port`.
bool Answers(int port) {
  timeval timeout{0, 200000};
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port, timeout);
  bool ok = false;
  if (context != nullptr && context->err == 0) {
    auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
    ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply != nullptr) freeReplyObject(reply);
  }
  if (context != nullptr) redisFree(context);
  return ok;
}

}  // namespace

std::string ProjectRedisConfig() {
  return absl::StrCat(CASEWORK_SOURCE_DIR, "/deploy/redis/redis.conf");
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start() {
  std::unique_ptr<RedisServer> server(new RedisServer);
  server->port_ = FreeTcpPort();
  server->dir_ = (std::filesystem::temp_directory_path() /
                  absl::StrCat("casework-redis-", getpid(), "-", server->port_))
                     .string();
  std::filesystem::create_directories(server->dir_);
  if (absl::Status launched = server->Launch(); !launched.ok()) return launched;
  return server;
}

absl::Status RedisServer::Launch() {
  auto process = ChildProcess::Start({"/usr/bin/redis-server", ProjectRedisConfig(), "--port",
                                      std::to_string(port_), "--dir", dir_},
                                     dir_ + "/redis.log");
  if (!process.ok()) return process.status();
  process_ = *std::move(process);
  // Readiness has no event to wait on: poll PING until it answers, bounded.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!Answers(port_)) {
    if (absl::Now() > deadline || process_->WaitForExit(absl::ZeroDuration()).has_value()) {
      return absl::UnavailableError(absl::StrCat("redis-server did not start; see ", dir_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::OkStatus();
}

RedisServer::~RedisServer() {
  if (process_ != nullptr) {
    process_->Signal(SIGCONT);
    process_->Signal(SIGTERM);
    process_->WaitForExit(absl::Seconds(10));
    process_.reset();
  }
  std::filesystem::remove_all(dir_);
}

void RedisServer::Kill9() {
  process_->Signal(SIGKILL);
  process_->WaitForExit(absl::Seconds(10));
  process_.reset();
}

absl::Status RedisServer::Restart() { return Launch(); }

void RedisServer::Pause() { process_->Signal(SIGSTOP); }

void RedisServer::Resume() { process_->Signal(SIGCONT); }

}  // namespace casework::testing
