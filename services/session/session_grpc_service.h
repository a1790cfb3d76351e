// gRPC handlers of casework.v1.SessionService: live facilitated case sessions (consultation,
// intervision, team meetings). Handlers stay thin: authenticate (the kit did), translate the
// request to a domain call, map the result back. Until the session issue fills them in, every RPC
// answers UNIMPLEMENTED (after authentication, which the server kit performs before any handler
// runs).
#ifndef SERVICES_SESSION_SESSION_GRPC_SERVICE_H_
#define SERVICES_SESSION_SESSION_GRPC_SERVICE_H_

#include "casework/v1/session_service.grpc.pb.h"

namespace casework {

class SessionGrpcService final : public casework::v1::SessionService::CallbackService {};

}  // namespace casework

#endif  // SERVICES_SESSION_SESSION_GRPC_SERVICE_H_
