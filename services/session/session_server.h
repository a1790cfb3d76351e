// Everything the session service process runs besides the gRPC server kit, built in dependency
// order and torn down in reverse: the Redis connection, the session log and timers, the protocol
// registry, the command runner and the gRPC handlers.
#ifndef SERVICES_SESSION_SESSION_SERVER_H_
#define SERVICES_SESSION_SESSION_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/redis/redis_client.h"
#include "libs/server/grpc_server.h"
#include "services/session/command_runner.h"
#include "services/session/engine/protocol_registry.h"
#include "services/session/registry_facts.h"
#include "services/session/session_grpc_service.h"
#include "services/session/timer_loop.h"

namespace casework::session {

struct SessionServerOptions {
  redis::RedisOptions redis;
  std::string protocols_dir = "protocols";
};

class SessionServer {
 public:
  static absl::StatusOr<std::unique_ptr<SessionServer>> Create(SessionServerOptions options);

  std::vector<ServiceBinding> bindings() { return {{service_.get(), kServiceName}}; }
  // Ready while Redis answers: health follows it.
  std::function<bool()> ready() const {
    return [client = redis_.get()] { return client->healthy(); };
  }

 private:
  static constexpr char kServiceName[] = "casework.v1.SessionService";
  SessionServer() = default;

  std::unique_ptr<ProtocolRegistry> protocols_;
  std::unique_ptr<RedisEventLog> log_;
  std::unique_ptr<PhaseTimers> timers_;
  std::unique_ptr<RegistryFacts> facts_;
  std::unique_ptr<CommandRunner> runner_;
  std::unique_ptr<SessionGrpcService> service_;
  // Destroyed before everything above: its loop thread ends (answering what is pending) while
  // everything its callbacks reach still exists.
  std::unique_ptr<redis::RedisClient> redis_;
  // Destroyed first of all: no new ticks once teardown starts.
  std::unique_ptr<TimerLoop> timer_loop_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_SESSION_SERVER_H_
