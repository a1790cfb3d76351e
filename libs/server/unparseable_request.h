// A request whose body does not parse as its method's request message. gRPC C++ 1.51 ends such a
// call UNIMPLEMENTED with an empty message, counted as Unimplemented; this interceptor, first in
// the chain, turns it into INVALID_ARGUMENT REQUEST_UNPARSEABLE naming the expected message, which
// the metrics interceptor after it counts and logs. The handler never runs.
#ifndef LIBS_SERVER_UNPARSEABLE_REQUEST_H_
#define LIBS_SERVER_UNPARSEABLE_REQUEST_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace casework {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeUnparseableRequestInterceptorFactory();

}  // namespace casework

#endif  // LIBS_SERVER_UNPARSEABLE_REQUEST_H_
