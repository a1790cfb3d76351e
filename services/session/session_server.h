// Everything the session service process runs besides the gRPC server kit, built in dependency
// order and torn down in reverse: the Redis connection, the session log, timers, index and record
// outbox, the protocol registry, the records client, the command runner and the gRPC handlers.
#ifndef SERVICES_SESSION_SESSION_SERVER_H_
#define SERVICES_SESSION_SESSION_SERVER_H_

#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/quota/quota_metrics.h"
#include "libs/quota/quota_policy.h"
#include "libs/records_client/records_client.h"
#include "libs/records_client/team_directory.h"
#include "libs/redis/redis_client.h"
#include "libs/server/grpc_server.h"
#include "libs/session_engine/protocol_registry.h"
#include "libs/session_log/session_index.h"
#include "services/session/command_facts.h"
#include "services/session/command_runner.h"
#include "services/session/record_outbox.h"
#include "services/session/session_grpc_service.h"
#include "services/session/session_log_purge.h"
#include "services/session/session_metrics.h"
#include "services/session/session_upkeep.h"
#include "services/session/timer_loop.h"

namespace casework::session {

struct SessionServerOptions {
  redis::RedisOptions redis;
  std::string protocols_dir = "protocols";
  // The records service (team roles, previous records, case-load reviews, the record outbox).
  // Unset: commands needing those facts fail with COMMAND_FACTS_MISSING and records wait.
  std::optional<RecordsClientOptions> records;
  // How long a team's member list is trusted (a removed member loses access within it).
  TeamDirectoryOptions members;
  TimerLoopOptions timer_loop;
  TimerLoopOptions outbox_loop{absl::Milliseconds(250), absl::Seconds(10), 50};
  // The retention purge of live session logs (runs only with a records service).
  SessionLogPurgeOptions purge;
  // The organisations' quotas (open sessions, sessions per hour, contributions per minute,
  // live-log bytes), checked and counted by every append.
  quota::QuotaPolicy quotas;
};

class SessionServer {
 public:
  static absl::StatusOr<std::unique_ptr<SessionServer>> Create(SessionServerOptions options,
                                                               prometheus::Registry& metrics);
  ~SessionServer();

  std::vector<ServiceBinding> bindings() { return {{service_.get(), kServiceName}}; }
  // Ready while Redis answers: health follows it.
  std::function<bool()> ready() const {
    return [client = redis_.get()] { return client->healthy(); };
  }

 private:
  static constexpr char kServiceName[] = "casework.v1.SessionService";
  SessionServer() = default;

  std::unique_ptr<ProtocolRegistry> protocols_;
  std::unique_ptr<RecordsClient> records_;
  std::unique_ptr<TeamDirectory> members_;
  std::unique_ptr<SessionMetrics> metrics_;
  quota::QuotaPolicy quotas_;
  std::unique_ptr<quota::QuotaUsageGauges> quota_gauges_;
  std::unique_ptr<RedisEventLog> log_;
  std::unique_ptr<PhaseTimers> timers_;
  std::unique_ptr<PhaseTimers> outbox_queue_;
  std::unique_ptr<SessionIndex> index_;
  std::unique_ptr<CommandFactsSource> facts_;
  std::unique_ptr<CommandRunner> runner_;
  std::unique_ptr<RecordOutbox> outbox_;
  std::unique_ptr<SessionUpkeep> upkeep_;
  std::unique_ptr<SessionGrpcService> service_;
  // Destroyed before everything above: its loop thread ends (answering what is pending) while
  // everything its callbacks reach still exists. (~SessionServer stops the loops and the
  // sampler first.)
  std::unique_ptr<redis::RedisClient> redis_;
  std::unique_ptr<TimerLoop> timer_loop_;
  std::unique_ptr<TimerLoop> outbox_loop_;
  std::unique_ptr<SessionLogPurge> log_purge_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_SESSION_SERVER_H_
