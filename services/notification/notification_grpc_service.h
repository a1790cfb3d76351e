// gRPC handlers of casework.v1.NotificationService: live session event streams and organisation
// reminders. Handlers stay thin: authenticate (the kit did), translate the request to a domain
// call, map the result back. Until the notification issue fills them in, every RPC answers
// UNIMPLEMENTED (after authentication, which the server kit performs before any handler runs).
#ifndef SERVICES_NOTIFICATION_NOTIFICATION_GRPC_SERVICE_H_
#define SERVICES_NOTIFICATION_NOTIFICATION_GRPC_SERVICE_H_

#include "casework/v1/notification_service.grpc.pb.h"

namespace casework {

class NotificationGrpcService final : public casework::v1::NotificationService::CallbackService {};

}  // namespace casework

#endif  // SERVICES_NOTIFICATION_NOTIFICATION_GRPC_SERVICE_H_
