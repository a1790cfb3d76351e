// casework-notification's own flags (the kit's are in libs/server/server_flags.h), turned into the
// notification server's options.
#ifndef SERVICES_NOTIFICATION_NOTIFICATION_FLAGS_H_
#define SERVICES_NOTIFICATION_NOTIFICATION_FLAGS_H_

#include "absl/status/statusor.h"
#include "libs/server/grpc_server.h"
#include "services/notification/notification_server.h"

namespace casework::notification {

// The options the flags describe; INVALID_ARGUMENT names the flag that is wrong. The records
// client's token is minted like the tokens `server` accepts (issuer, audience).
absl::StatusOr<NotificationServerOptions> NotificationOptionsFromFlags(const ServerOptions& server);

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_NOTIFICATION_FLAGS_H_
