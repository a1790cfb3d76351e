// The schema's field bounds, checked before any work (proto/casework/v1/field_bounds.proto):
// every string, bytes and repeated field a request can carry states its maximum with the option
// `(casework.v1.bounds)`, and AdmitCall refuses a request over any of them before a handler reads
// a name, a store or Redis.
#ifndef LIBS_SERVER_REQUEST_BOUNDS_H_
#define LIBS_SERVER_REQUEST_BOUNDS_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "casework/v1/principal.pb.h"

namespace casework {

struct FieldBounds {
  uint32_t max_bytes = 0;  // string/bytes fields (each element when repeated); 0: none stated
  uint32_t max_items = 0;  // repeated fields; 0: none stated
};

// The bounds `field` states, and the built-in ones inside the well-known types
// (google.protobuf.FieldMask.paths: 64 paths of at most 256 bytes).
FieldBounds BoundsOf(const google::protobuf::FieldDescriptor& field);

// OK, or INVALID_ARGUMENT (FIELD_INVALID) with one field violation per field over its bound,
// named by its path in the request ("team.members[3].subject") and naming the limit ("is 1048576
// bytes long; the limit is 128 bytes"); at most 16 violations are listed.
absl::Status CheckRequestBounds(const google::protobuf::Message& request);

// The first step of every handler: the caller (CallerPrincipal: UNAUTHENTICATED without one),
// then the request's bounds.
absl::StatusOr<casework::v1::Principal> AdmitCall(const grpc::ServerContextBase& context,
                                                  const google::protobuf::Message& request);

}  // namespace casework

#endif  // LIBS_SERVER_REQUEST_BOUNDS_H_
