// A SessionService for testing the server kit: its GetSession reports who called, fails with
// error details, or answers after a delay (so SIGTERM can meet calls in flight).
#ifndef TESTS_PROBE_SESSION_SERVICE_H_
#define TESTS_PROBE_SESSION_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "casework/v1/session_service.grpc.pb.h"

namespace casework::testing {

// GetSession answers:
//  - name "fail": INVALID_ARGUMENT with ErrorInfo and BadRequest details;
//  - name "slow/<ms>": OK after <ms> milliseconds, finished from another thread (work in flight);
//  - anything else: a Session named "<name>/by/<caller subject>/in/<caller organisation>".
class ProbeSessionService final : public casework::v1::SessionService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* context,
                                       const casework::v1::GetSessionRequest* request,
                                       casework::v1::Session* response) override;
};

}  // namespace casework::testing

#endif  // TESTS_PROBE_SESSION_SERVICE_H_
