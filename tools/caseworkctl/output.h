// How caseworkctl shows results: messages as readable text (or JSON with --json), events as one
// line each, and errors in the words of the schema: the status, the ErrorInfo reason explained by
// the comment on that reason in proto/casework/v1/errors.proto (compiled in, so they never drift
// apart), its metadata and each field violation.
#ifndef TOOLS_CASEWORKCTL_OUTPUT_H_
#define TOOLS_CASEWORKCTL_OUTPUT_H_

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/statusor.h"
#include "casework/v1/organization_event.pb.h"
#include "casework/v1/session_event.pb.h"

namespace casework::ctl {

std::string FormatMessage(const google::protobuf::Message& message, bool json);
std::string FormatEvent(const casework::v1::SessionEvent& event, bool json);
std::string FormatOrganizationEvent(const casework::v1::OrganizationEvent& event, bool json);

// The value of the field at a dotted path: scalars as text (enums by name), messages in text
// format, repeated fields one element per line.
absl::StatusOr<std::string> FieldValue(const google::protobuf::Message& message,
                                       const std::string& path);

// The ErrorInfo reason of a failed call, "" when none.
std::string ReasonOf(const grpc::Status& status);
// The failure as several lines for a person.
std::string FormatError(const grpc::Status& status);

}  // namespace casework::ctl

#endif  // TOOLS_CASEWORKCTL_OUTPUT_H_
