// Validation of one protocol template: everything the engine relies on when it enforces the
// template (unique phase ids, positive timeboxes, valid kinds and roles, exit criteria the phase
// can meet, checks with patterns, a consistent segment slot ...). An issue names the offending
// field as a path, so the loader can turn it into the file's line and column.
#ifndef LIBS_SESSION_ENGINE_PROTOCOL_VALIDATOR_H_
#define LIBS_SESSION_ENGINE_PROTOCOL_VALIDATOR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "casework/v1/protocol.pb.h"

namespace casework::session {

// One step of a field path: a field name and, for repeated fields, the element index (else -1).
struct FieldPathElement {
  std::string field;
  int index = -1;
};

struct ProtocolIssue {
  std::vector<FieldPathElement> path;  // where, e.g. phases[2].permissions[0].kinds[1]
  std::string reason;                  // what is wrong, in words
};

// "phases[2].permissions[0].kinds[1]".
std::string FieldPathString(const std::vector<FieldPathElement>& path);

// The first problem of `protocol`, or nullopt when it is valid on its own (references to other
// protocols are checked by the registry).
std::optional<ProtocolIssue> FindProtocolIssue(const casework::v1::ProtocolTemplate& protocol);

// INVALID_ARGUMENT PROTOCOL_INVALID "path: reason" for the first problem; OK when valid.
absl::Status ValidateProtocolTemplate(const casework::v1::ProtocolTemplate& protocol);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_PROTOCOL_VALIDATOR_H_
