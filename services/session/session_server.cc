// SessionServer::Create: the session service's object graph.
#include "services/session/session_server.h"

#include "absl/time/clock.h"

namespace casework::session {

absl::StatusOr<std::unique_ptr<SessionServer>> SessionServer::Create(
    SessionServerOptions options, prometheus::Registry& metrics) {
  std::unique_ptr<SessionServer> server(new SessionServer);
  auto now = [] { return absl::Now(); };
  absl::StatusOr<ProtocolRegistry> protocols =
      ProtocolRegistry::LoadDirectory(options.protocols_dir);
  if (!protocols.ok()) return protocols.status();
  server->protocols_ = std::make_unique<ProtocolRegistry>(*std::move(protocols));
  if (options.records.has_value()) {
    absl::StatusOr<std::unique_ptr<RecordsClient>> records =
        RecordsClient::Create(*std::move(options.records));
    if (!records.ok()) return records.status();
    server->records_ = *std::move(records);
  }
  server->members_ = std::make_unique<TeamDirectory>(server->records_.get(), options.members, now);
  server->metrics_ = std::make_unique<SessionMetrics>(metrics, *server->protocols_);
  server->redis_ = redis::RedisClient::Start(options.redis);
  redis::RedisClient& redis = *server->redis_;
  server->log_ = std::make_unique<RedisEventLog>(redis);
  const SharedKeys& shared = server->log_->shared_keys();
  server->timers_ = std::make_unique<PhaseTimers>(redis, shared.phase_timers);
  server->outbox_queue_ = std::make_unique<PhaseTimers>(redis, shared.record_outbox);
  server->index_ = std::make_unique<SessionIndex>(redis, shared.running);
  server->facts_ =
      std::make_unique<CommandFactsSource>(*server->protocols_, server->records_.get());
  server->runner_ =
      std::make_unique<CommandRunner>(*server->log_, *server->timers_, *server->facts_, now);
  server->outbox_ = std::make_unique<RecordOutbox>(*server->outbox_queue_, *server->runner_,
                                                   server->records_.get(), now);
  server->upkeep_ =
      std::make_unique<SessionUpkeep>(*server->index_, *server->outbox_queue_, *server->metrics_);
  server->runner_->set_observer(server->upkeep_.get());
  server->quotas_ = std::move(options.quotas);
  server->quota_gauges_ = std::make_unique<quota::QuotaUsageGauges>(metrics);
  server->runner_->set_quotas(&server->quotas_, server->quota_gauges_.get());
  server->service_ = std::make_unique<SessionGrpcService>(
      *server->runner_, *server->log_, *server->index_, *server->protocols_, *server->members_);
  CommandRunner& runner = *server->runner_;
  PhaseTimers& timers = *server->timers_;
  server->timer_loop_ = std::make_unique<TimerLoop>(
      timers,
      [&runner, &timers](const std::string& session) { TickSession(runner, timers, session); }, now,
      options.timer_loop);
  RecordOutbox& outbox = *server->outbox_;
  server->outbox_loop_ = std::make_unique<TimerLoop>(
      *server->outbox_queue_, [&outbox](const std::string& session) { outbox.Deliver(session); },
      now, options.outbox_loop);
  if (server->records_ != nullptr) {
    server->log_purge_ = std::make_unique<SessionLogPurge>(metrics, *server->log_,
                                                           *server->records_, now, options.purge);
  }
  return server;
}

SessionServer::~SessionServer() {
  // No new work once teardown starts; then the members go in reverse order.
  log_purge_.reset();
  outbox_loop_.reset();
  timer_loop_.reset();
  if (upkeep_ != nullptr) upkeep_->StopSampling();
  if (outbox_ != nullptr) outbox_->WaitIdle();
  redis_.reset();
}

}  // namespace casework::session
