// gRPC handlers of casework.v1.RecordsService: confidential case records, team meetings, action
// items and the case-load review. Handlers stay thin: authenticate (the kit did), translate the
// request to a domain call, map the result back. Until the records issue fills them in, every RPC
// answers UNIMPLEMENTED (after authentication, which the server kit performs before any handler
// runs).
#ifndef SERVICES_RECORDS_RECORDS_GRPC_SERVICE_H_
#define SERVICES_RECORDS_RECORDS_GRPC_SERVICE_H_

#include "casework/v1/records_service.grpc.pb.h"

namespace casework {

class RecordsGrpcService final : public casework::v1::RecordsService::CallbackService {};

}  // namespace casework

#endif  // SERVICES_RECORDS_RECORDS_GRPC_SERVICE_H_
