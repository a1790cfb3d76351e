// gRPC handlers of casework.v1.NotificationService. Thin: who is calling (the kit verified the
// token), is the name theirs to ask for — the team's member list must name them (TeamDirectory),
// the token's claim alone admits nobody — then hand the stream to the session feeds or to the
// organisation feed, which do the work. Between the name and the member list, the stream is counted
// against its organisation's quota of open streams (WatcherQuota).
#ifndef SERVICES_NOTIFICATION_NOTIFICATION_GRPC_SERVICE_H_
#define SERVICES_NOTIFICATION_NOTIFICATION_GRPC_SERVICE_H_

#include <cstddef>
#include <memory>

#include "casework/v1/notification_service.grpc.pb.h"
#include "libs/records_client/team_directory.h"
#include "services/notification/notification_metrics.h"
#include "services/notification/org_feed.h"
#include "services/notification/session_feeds.h"
#include "services/notification/watcher_quota.h"

namespace casework::notification {

class NotificationGrpcService final : public casework::v1::NotificationService::CallbackService {
 public:
  // `queue_capacity`: frames a stream may have queued before it is cut off as too slow. `quota`
  // admits each stream (after the caller and the name are checked, before anything is read).
  NotificationGrpcService(SessionFeeds& sessions, OrgFeed& organizations, TeamDirectory& members,
                          NotificationMetrics& metrics, WatcherQuota& quota, size_t queue_capacity);

  // Admits a listed member of the session's team (then the feed admits participants only);
  // anyone else gets exactly the answer for a missing session.
  grpc::ServerWriteReactor<casework::v1::WatchSessionResponse>* WatchSession(
      grpc::CallbackServerContext* context,
      const casework::v1::WatchSessionRequest* request) override;

  // Team-addressed notices follow the member lists of the caller's claimed teams, confirmed
  // before the stream attaches.
  grpc::ServerWriteReactor<casework::v1::WatchOrganizationResponse>* WatchOrganization(
      grpc::CallbackServerContext* context,
      const casework::v1::WatchOrganizationRequest* request) override;

 private:
  void AttachSessionWatcher(casework::v1::Principal caller,
                            const casework::v1::WatchSessionRequest& request,
                            std::shared_ptr<SessionStream> stream);
  void AttachOrgWatcher(casework::v1::Principal caller,
                        const casework::v1::WatchOrganizationRequest& request,
                        std::shared_ptr<OrgStream> stream);

  SessionFeeds& sessions_;
  OrgFeed& organizations_;
  TeamDirectory& members_;
  NotificationMetrics& metrics_;
  WatcherQuota& quota_;
  const size_t queue_capacity_;
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_NOTIFICATION_GRPC_SERVICE_H_
