// The one mapping between absl::Status (domain and adapters) and grpc::Status (the wire): the
// code and message carry over, and the status's ErrorInfo/BadRequest payloads travel as
// google.rpc.Status details (grpc-status-details-bin). An error without an ErrorInfo gets one whose
// reason is the code's name, so every error a client sees has a reason to branch on.
#ifndef LIBS_SERVER_GRPC_STATUS_H_
#define LIBS_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace casework {

grpc::Status ToGrpcStatus(const absl::Status& status);

// For clients of our services (and tests): the details come back as payloads.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace casework

#endif  // LIBS_SERVER_GRPC_STATUS_H_
