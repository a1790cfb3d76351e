// Builds a request message from the command line: an optional JSON body (--data) and then
// `path=value` arguments, each setting one field by its proto name (`session.protocol_id=...`,
// repeated fields by repeating the path). Values are read by the field's type: enums by name
// with or without their prefix (QUESTION or CONTRIBUTION_KIND_QUESTION), booleans true/false,
// timestamps in RFC 3339 or `now`, `now+2h`, durations as `90s`/`15m`/`1h30m`.
#ifndef TOOLS_CASEWORKCTL_REQUEST_BUILDER_H_
#define TOOLS_CASEWORKCTL_REQUEST_BUILDER_H_

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace casework::ctl {

absl::Status BuildRequest(const std::string& json, const std::vector<std::string>& assignments,
                          google::protobuf::Message* request);

// One line per field of `type` (recursively, up to a depth), for --help.
std::string DescribeFields(const google::protobuf::Descriptor& type);

}  // namespace casework::ctl

#endif  // TOOLS_CASEWORKCTL_REQUEST_BUILDER_H_
