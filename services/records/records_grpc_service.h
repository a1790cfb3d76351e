// gRPC handlers of casework.v1.RecordsService. Thin by design: each RPC takes the caller's
// Principal (the kit authenticated the call before any handler runs), hands the request to the
// domain core, and finishes the call with the core's answer through the kit's one status mapping.
// Handlers never block: the core's store runs the work on its own threads and the reply finishes
// the call from there.
#ifndef SERVICES_RECORDS_RECORDS_GRPC_SERVICE_H_
#define SERVICES_RECORDS_RECORDS_GRPC_SERVICE_H_

#include "casework/v1/records_service.grpc.pb.h"
#include "services/records/domain/records_core.h"

namespace casework {

class RecordsGrpcService final : public casework::v1::RecordsService::CallbackService {
 public:
  explicit RecordsGrpcService(records::RecordsCore& core) : core_(core) {}

#define CASEWORK_RECORDS_METHOD(Method, Request, Response)                                   \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,                     \
                                   const casework::v1::Request* request, Response* response) \
      override;
#include "services/records/domain/records_methods.inc"
#undef CASEWORK_RECORDS_METHOD

 private:
  records::RecordsCore& core_;
};

}  // namespace casework

#endif  // SERVICES_RECORDS_RECORDS_GRPC_SERVICE_H_
