// The audit trail of a service that does not own the audit log (session, notification): a server
// interceptor that turns every finished RPC of the service's own methods (not health or
// reflection) into one casework.v1.AuditEntry — caller, method, the resource the request named,
// outcome, ErrorInfo reason, request id, finish time — and hands it to an AuditSink. The sink
// ships it (libs/records_client/audit_shipper.h); the kit does not depend on the records client.
//
// The entry is filed under the caller's organisation (a service identity's, org "*", under the
// organisation of the resource it named). Calls refused by authentication never reach
// interceptors (the auth metadata processor ends them first), and a call without a principal has
// no organisation to be filed under: as in the records service's own log, they are not audited
// (they are counted in grpc_server_handled_total{grpc_code="Unauthenticated"} and logged as
// "rpc refused").
#ifndef LIBS_SERVER_AUDIT_INTERCEPTOR_H_
#define LIBS_SERVER_AUDIT_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "casework/v1/audit.pb.h"

namespace casework {

// Receives one entry per finished RPC, on gRPC's threads: must not block.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual void Record(casework::v1::AuditEntry entry) = 0;
  // The server has drained: deliver what is queued until `deadline`, then take no more.
  virtual void Close(absl::Time deadline) { (void)deadline; }
};

// Audits every method of `services` (full names, e.g. "casework.v1.SessionService"). The sink is
// not owned and must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAuditInterceptorFactory(
    AuditSink* sink, std::vector<std::string> services);

}  // namespace casework

#endif  // LIBS_SERVER_AUDIT_INTERCEPTOR_H_
