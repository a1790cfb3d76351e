// NotificationService handlers: check the caller, the name and the team's member list, then attach
// the stream.
#include "services/notification/notification_grpc_service.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/server/grpc_status.h"
#include "libs/server/request_bounds.h"
#include "libs/session_engine/session_names.h"
#include "libs/status/errors.h"
#include "services/notification/stream_writer.h"
#include "services/notification/team_membership.h"

namespace casework::notification {
namespace {

namespace v1 = ::casework::v1;

absl::Status ShuttingDown() {
  return Error(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN",
               "the server is shutting down; retry on another replica");
}

absl::Status NegativePosition() {
  return InvalidArgument("FIELD_INVALID", {{"after_sequence", "must not be negative"}});
}

// Counts the stream against its organisation's quota, the reactor holding the lease until the
// call is done; RESOURCE_EXHAUSTED QUOTA_EXCEEDED when the organisation holds its limit.
template <typename Response>
absl::Status AdmitToQuota(WatcherQuota& quota, absl::string_view organization,
                          StreamReactor<Response>& reactor) {
  absl::StatusOr<WatcherQuota::Lease> lease = quota.Admit(organization);
  if (!lease.ok()) return lease.status();
  reactor.HoldLease(*std::move(lease));
  return absl::OkStatus();
}

}  // namespace

NotificationGrpcService::NotificationGrpcService(SessionFeeds& sessions, OrgFeed& organizations,
                                                 TeamDirectory& members,
                                                 NotificationMetrics& metrics, WatcherQuota& quota,
                                                 size_t queue_capacity)
    : sessions_(sessions),
      organizations_(organizations),
      members_(members),
      metrics_(metrics),
      quota_(quota),
      queue_capacity_(queue_capacity) {}

grpc::ServerWriteReactor<v1::WatchSessionResponse>* NotificationGrpcService::WatchSession(
    grpc::CallbackServerContext* context, const v1::WatchSessionRequest* request) {
  auto* reactor = new StreamReactor<v1::WatchSessionResponse>(queue_capacity_, metrics_,
                                                              request->after_sequence());
  absl::StatusOr<v1::Principal> caller = AdmitCall(*context, *request);
  absl::Status checked = caller.ok()
                             ? session::CheckSessionName(request->session(), *caller, "session")
                             : caller.status();
  // Another organisation's session was answered NOT_FOUND above; the quota is the caller's own.
  if (checked.ok()) checked = AdmitToQuota(quota_, caller->organization(), *reactor);
  if (!checked.ok()) {
    reactor->stream()->FinishNow(ToGrpcStatus(checked));
    return reactor;
  }
  AttachSessionWatcher(*std::move(caller), *request, reactor->stream());
  return reactor;
}

void NotificationGrpcService::AttachSessionWatcher(v1::Principal caller,
                                                   const v1::WatchSessionRequest& request,
                                                   std::shared_ptr<SessionStream> stream) {
  const v1::Principal asking = caller;  // the callback takes `caller` before FindMember runs
  members_.FindMember(asking, session::TeamOfSession(request.session()),
                      [this, caller = std::move(caller), session = request.session(),
                       after = request.after_sequence(),
                       stream = std::move(stream)](absl::StatusOr<v1::TeamMember> member) mutable {
                        // Who the caller is comes before what they sent: a non-member learns
                        // nothing more.
                        absl::Status admitted = member.status();
                        if (absl::IsNotFound(admitted)) admitted = session::SessionNotFound();
                        if (admitted.ok() && after < 0) admitted = NegativePosition();
                        if (!admitted.ok()) {
                          stream->FinishNow(ToGrpcStatus(admitted));
                          return;
                        }
                        auto watcher =
                            std::make_shared<SessionWatcher>(std::move(caller), after, stream);
                        if (!sessions_.Attach(session, std::move(watcher))) {
                          stream->FinishNow(ToGrpcStatus(ShuttingDown()));
                        }
                      });
}

grpc::ServerWriteReactor<v1::WatchOrganizationResponse>* NotificationGrpcService::WatchOrganization(
    grpc::CallbackServerContext* context, const v1::WatchOrganizationRequest* request) {
  auto* reactor = new StreamReactor<v1::WatchOrganizationResponse>(queue_capacity_, metrics_,
                                                                   request->after_sequence());
  absl::StatusOr<v1::Principal> caller = AdmitCall(*context, *request);
  absl::Status checked = caller.ok() ? absl::OkStatus() : caller.status();
  if (checked.ok() && request->parent() != absl::StrCat("organizations/", caller->organization())) {
    checked = Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND", "organization not found");
  }
  if (checked.ok() && request->after_sequence() < 0) checked = NegativePosition();
  if (checked.ok()) checked = AdmitToQuota(quota_, caller->organization(), *reactor);
  if (!checked.ok()) {
    reactor->stream()->FinishNow(ToGrpcStatus(checked));
    return reactor;
  }
  AttachOrgWatcher(*std::move(caller), *request, reactor->stream());
  return reactor;
}

void NotificationGrpcService::AttachOrgWatcher(v1::Principal caller,
                                               const v1::WatchOrganizationRequest& request,
                                               std::shared_ptr<OrgStream> stream) {
  std::vector<v1::OrganizationEventKind> kinds;
  for (int kind : request.kinds()) kinds.push_back(static_cast<v1::OrganizationEventKind>(kind));
  const v1::Principal asking = caller;
  VerifyClaimedTeams(
      members_, asking,
      [this, caller = std::move(caller), kinds = std::move(kinds), after = request.after_sequence(),
       stream = std::move(stream)](absl::StatusOr<VerifiedTeams> teams) mutable {
        if (!teams.ok()) {  // the records service could not confirm a claimed team
          stream->FinishNow(ToGrpcStatus(teams.status()));
          return;
        }
        auto watcher = std::make_shared<OrgWatcher>(std::move(caller), std::move(kinds), after,
                                                    stream, *std::move(teams));
        if (!organizations_.Attach(std::move(watcher))) {
          stream->FinishNow(ToGrpcStatus(ShuttingDown()));
        }
      });
}

}  // namespace casework::notification
