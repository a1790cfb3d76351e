// NotificationService handlers: check the caller and the name, then attach the stream.
#include "services/notification/notification_grpc_service.h"

#include "absl/strings/str_cat.h"
#include "libs/server/authenticating_credentials.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"
#include "services/session/session_names.h"

namespace casework::notification {
namespace {

namespace v1 = ::casework::v1;

absl::Status ShuttingDown() {
  return Error(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
               "the server is shutting down; retry on another replica");
}

}  // namespace

NotificationGrpcService::NotificationGrpcService(SessionFeeds& sessions, OrgFeed& organizations,
                                                 NotificationMetrics& metrics,
                                                 size_t queue_capacity)
    : sessions_(sessions),
      organizations_(organizations),
      metrics_(metrics),
      queue_capacity_(queue_capacity) {}

grpc::ServerWriteReactor<v1::WatchSessionResponse>* NotificationGrpcService::WatchSession(
    grpc::CallbackServerContext* context, const v1::WatchSessionRequest* request) {
  auto* reactor = new StreamReactor<v1::WatchSessionResponse>(queue_capacity_, metrics_,
                                                              request->after_sequence());
  absl::StatusOr<v1::Principal> caller = CallerPrincipal(*context);
  absl::Status checked = caller.ok()
                             ? session::CheckSessionName(request->session(), *caller, "session")
                             : caller.status();
  if (checked.ok() && request->after_sequence() < 0) {
    checked = InvalidArgument("FIELD_INVALID", {{"after_sequence", "must not be negative"}});
  }
  if (!checked.ok()) {
    reactor->stream()->FinishNow(ToGrpcStatus(checked));
    return reactor;
  }
  auto watcher = std::make_shared<SessionWatcher>(*std::move(caller), request->after_sequence(),
                                                  reactor->stream());
  if (!sessions_.Attach(request->session(), std::move(watcher))) {
    reactor->stream()->FinishNow(ToGrpcStatus(ShuttingDown()));
  }
  return reactor;
}

grpc::ServerWriteReactor<v1::WatchOrganizationResponse>* NotificationGrpcService::WatchOrganization(
    grpc::CallbackServerContext* context, const v1::WatchOrganizationRequest* request) {
  auto* reactor = new StreamReactor<v1::WatchOrganizationResponse>(queue_capacity_, metrics_,
                                                                   request->after_sequence());
  absl::StatusOr<v1::Principal> caller = CallerPrincipal(*context);
  absl::Status checked = caller.ok() ? absl::OkStatus() : caller.status();
  if (checked.ok() && request->parent() != absl::StrCat("organizations/", caller->organization())) {
    checked = Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND", "organization not found");
  }
  if (checked.ok() && request->after_sequence() < 0) {
    checked = InvalidArgument("FIELD_INVALID", {{"after_sequence", "must not be negative"}});
  }
  if (!checked.ok()) {
    reactor->stream()->FinishNow(ToGrpcStatus(checked));
    return reactor;
  }
  std::vector<v1::OrganizationEventKind> kinds;
  for (int kind : request->kinds()) kinds.push_back(static_cast<v1::OrganizationEventKind>(kind));
  auto watcher = std::make_shared<OrgWatcher>(*std::move(caller), std::move(kinds),
                                              request->after_sequence(), reactor->stream());
  if (!organizations_.Attach(std::move(watcher))) {
    reactor->stream()->FinishNow(ToGrpcStatus(ShuttingDown()));
  }
  return reactor;
}

}  // namespace casework::notification
