// The notification tests' environment and watch client.
#include "tests/notification/notification_test_support.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "libs/server/grpc_status.h"
#include "libs/server/json_log.h"
#include "libs/session_engine/session_queries.h"
#include "libs/status/errors.h"
#include "libs/testing/process.h"
#include "libs/testing/test_tokens.h"
#include "services/notification/org_event_log.h"
#include "tests/kit_test_support.h"

namespace casework::notification::testing {

std::string TokenFor(const std::string& subject, const std::string& org,
                     std::vector<std::string> roles, std::vector<std::string> teams) {
  return casework::testing::GoodToken(
      casework::testing::MakePrincipal(subject, org, std::move(roles), std::move(teams)));
}

std::unique_ptr<NotificationTestEnv> NotificationTestEnv::Start(
    NotificationServerOptions options,
    const std::function<void(NotificationTestEnv&)>& before_server) {
  if (!InitJsonLogging("notification-test", "warning").ok()) return nullptr;
  std::unique_ptr<NotificationTestEnv> env(new NotificationTestEnv);
  auto redis = redis::RedisTestEnv::Start();
  if (!redis.ok()) return nullptr;
  env->redis_ = *std::move(redis);
  env->records_ = CastRecords::Start();
  if (env->records_ == nullptr) return nullptr;
  env->writer_ = std::make_unique<session::RedisEventLog>(*env->redis_.client);
  if (before_server) before_server(*env);
  auto metrics = MetricsEndpoint::Start("127.0.0.1:0");
  if (!metrics.ok()) return nullptr;
  env->metrics_ = *std::move(metrics);
  options.redis.host = "127.0.0.1";
  options.redis.port = env->redis_.server->port();
  const absl::Duration records_deadline = options.records.deadline;
  options.records = env->records_->ClientOptions();
  options.records.deadline = records_deadline;
  auto server = NotificationServer::Create(options, env->metrics_->registry());
  if (!server.ok()) return nullptr;
  env->server_ = *std::move(server);
  ServerOptions server_options;
  server_options.grpc_address = "127.0.0.1:0";
  server_options.auth = casework::testing::GetTestKeys().verifier_options;
  server_options.ready = env->server_->ready();
  auto grpc_server = GrpcServer::Start(server_options, *env->metrics_, env->server_->bindings());
  if (!grpc_server.ok()) return nullptr;
  env->grpc_ = *std::move(grpc_server);
  env->port_ = env->grpc_->port();
  env->channel_ = casework::testing::LoopbackChannel(env->port_);
  env->stub_ = v1::NotificationService::NewStub(env->channel_);
  if (!casework::testing::WaitUntilServing(env->channel_, NotificationServer::kServiceName,
                                           absl::Seconds(10))) {
    return nullptr;
  }
  return env;
}

NotificationTestEnv::~NotificationTestEnv() {
  StopServer();
  server_.reset();
  records_.reset();
}

void NotificationTestEnv::StopServer() {
  if (grpc_ == nullptr) return;
  server_->EndStreams();
  grpc_->Drain();
  grpc_.reset();
}

std::string NotificationTestEnv::Metrics() {
  auto text = casework::testing::HttpGet(metrics_->port(), "/metrics");
  return text.ok() ? *text : "";
}

absl::Status NotificationTestEnv::AppendNew(const EngineHarness& harness) {
  const auto& log = harness.log();
  if (static_cast<int64_t>(log.size()) == appended_) return absl::OkStatus();
  session::AppendRequest request;
  request.session_name = kSession;
  request.expected_version = appended_;
  request.request_id = absl::StrCat("append-", appended_);
  request.fingerprint = request.request_id;
  for (size_t i = appended_; i < log.size(); ++i) {
    request.events.push_back(log[i].SerializeAsString());
    // As the session service marks them: the deriver reads only the wake-ups that say so.
    request.follow_ups.notable =
        request.follow_ups.notable || session::ConcernsOrganisation(log[i]);
  }
  if (appended_ == 0) {  // the pinned protocol, stored beside the snapshot when it is created
    v1::SessionSnapshot protocol_part;
    *protocol_part.mutable_protocol() = harness.state().protocol();
    request.protocol = protocol_part.SerializeAsString();
  }
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::promise<absl::StatusOr<session::AppendOutcome>> done;
    writer_->Append(request, [&done](absl::StatusOr<session::AppendOutcome> outcome) {
      done.set_value(std::move(outcome));
    });
    absl::StatusOr<session::AppendOutcome> outcome = done.get_future().get();
    if (outcome.ok()) {
      appended_ = static_cast<int64_t>(log.size());
      return absl::OkStatus();
    }
    if (!absl::IsUnavailable(outcome.status())) return outcome.status();
    redis_.client->WaitUntilHealthy(absl::Seconds(5));  // an outage: wait for Redis, then retry
  }
  return absl::UnavailableError("redis stayed unavailable");
}

absl::Status NotificationTestEnv::StoreSnapshot(const EngineHarness& harness) {
  v1::SessionSnapshot session_part = harness.state();
  session_part.clear_protocol();
  std::promise<absl::StatusOr<bool>> done;
  writer_->StoreSnapshot(
      kSession, appended_, session_part.SerializeAsString(),
      [&done](absl::StatusOr<bool> stored) { done.set_value(std::move(stored)); });
  return done.get_future().get().status();
}

WatchClient::WatchClient(v1::NotificationService::Stub& stub, const std::string& token,
                         const std::string& session, int64_t after_sequence, int stop_after,
                         bool read)
    : StreamClient(
          token,
          [&stub, session, after_sequence](grpc::ClientContext* context) {
            v1::WatchSessionRequest request;
            request.set_session(session);
            request.set_after_sequence(after_sequence);
            return stub.WatchSession(context, request);
          },
          stop_after, read) {}

OrgWatchClient::OrgWatchClient(v1::NotificationService::Stub& stub, const std::string& token,
                               const std::string& parent, int64_t after_sequence,
                               std::vector<v1::OrganizationEventKind> kinds)
    : StreamClient(token, [&stub, parent, after_sequence, kinds](grpc::ClientContext* context) {
        v1::WatchOrganizationRequest request;
        request.set_parent(parent);
        request.set_after_sequence(after_sequence);
        for (v1::OrganizationEventKind kind : kinds) request.add_kinds(kind);
        return stub.WatchOrganization(context, request);
      }) {}

int64_t AppendNotice(redis::RedisClient& client, const std::string& dedup_key,
                     const std::string& recipients, absl::Time at) {
  OrgEventLog log(client);
  OrgEventToAppend notice;
  notice.dedup_key = dedup_key;
  notice.recipients = recipients;
  notice.event.set_team(kTeam);
  notice.event.mutable_meeting_due()->set_kind(v1::MEETING_KIND_REGULAR);
  std::promise<absl::StatusOr<int64_t>> done;
  log.Append("acme", "", 0, 0, {notice}, at,
             [&done](absl::StatusOr<int64_t> last) { done.set_value(std::move(last)); });
  absl::StatusOr<int64_t> last = done.get_future().get();
  return last.ok() ? *last : -1;
}

std::string Letters(int i) {
  std::string out;
  do {
    out.push_back(static_cast<char>('a' + i % 26));
    i /= 26;
  } while (i > 0);
  return out;
}

std::vector<int64_t> Sequences(const std::vector<ReceivedFrame>& frames) {
  std::vector<int64_t> out;
  for (const ReceivedFrame& received : frames) {
    out.push_back(received.frame.has_resync() ? received.frame.resync().sequence()
                                              : received.frame.event().sequence());
  }
  return out;
}

std::string ErrorMetadata(const grpc::Status& status, const std::string& key) {
  std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(FromGrpcStatus(status));
  if (!info.has_value()) return "";
  auto it = info->metadata().find(key);
  return it == info->metadata().end() ? "" : it->second;
}

}  // namespace casework::notification::testing
