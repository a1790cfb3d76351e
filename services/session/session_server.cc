// SessionServer::Create: the session service's object graph.
#include "services/session/session_server.h"

#include "absl/time/clock.h"

namespace casework::session {

absl::StatusOr<std::unique_ptr<SessionServer>> SessionServer::Create(SessionServerOptions options) {
  std::unique_ptr<SessionServer> server(new SessionServer);
  absl::StatusOr<ProtocolRegistry> protocols =
      ProtocolRegistry::LoadDirectory(options.protocols_dir);
  if (!protocols.ok()) return protocols.status();
  server->protocols_ = std::make_unique<ProtocolRegistry>(*std::move(protocols));
  server->redis_ = redis::RedisClient::Start(options.redis);
  server->log_ = std::make_unique<RedisEventLog>(*server->redis_);
  server->timers_ = std::make_unique<PhaseTimers>(*server->redis_);
  server->facts_ = std::make_unique<RegistryFacts>(*server->protocols_);
  server->runner_ = std::make_unique<CommandRunner>(*server->log_, *server->timers_,
                                                    *server->facts_, [] { return absl::Now(); });
  server->service_ =
      std::make_unique<SessionGrpcService>(*server->runner_, *server->log_, *server->protocols_);
  server->timer_loop_ =
      std::make_unique<TimerLoop>(*server->timers_, *server->runner_, [] { return absl::Now(); });
  return server;
}

}  // namespace casework::session
