// The protocol templates the session service runs, loaded from `protocols/*.textproto` at
// start-up. Every file is parsed (protobuf text format) and validated; the first bad file fails
// the whole load with "file:line:column: reason" (INVALID_ARGUMENT PROTOCOL_INVALID), so a broken
// template can never reach a running session. Each template gets its revision (a content hash).
#ifndef LIBS_SESSION_ENGINE_PROTOCOL_REGISTRY_H_
#define LIBS_SESSION_ENGINE_PROTOCOL_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casework/v1/protocol.pb.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_service.pb.h"

namespace casework::session {

class ProtocolRegistry {
 public:
  // Loads every `*.textproto` in `directory` (sorted by name). A file's `id` must equal its file
  // name without extension; ids are unique; case-discussion segments name loaded case-discussion
  // protocols.
  static absl::StatusOr<ProtocolRegistry> LoadDirectory(const std::string& directory);

  // Parses and validates one template given as text; `file_name` only labels errors.
  static absl::StatusOr<casework::v1::ProtocolTemplate> ParseTemplate(absl::string_view file_name,
                                                                      absl::string_view text);

  // Builds a registry from templates already parsed (tests, organisations' own templates);
  // validates them and fills their revisions.
  static absl::StatusOr<ProtocolRegistry> FromTemplates(
      std::vector<casework::v1::ProtocolTemplate> protocols);

  // nullptr when no template has this id.
  const casework::v1::ProtocolTemplate* Find(absl::string_view id) const;

  // All templates, ordered by id.
  const std::vector<casework::v1::ProtocolTemplate>& protocols() const { return protocols_; }

  // The facts CreateSession needs from the registry: the protocol and, for a case-discussion
  // segment, the protocol that runs inside it. NOT_FOUND (RESOURCE_NOT_FOUND) for unknown ids.
  absl::Status FillCreateFacts(const casework::v1::CreateSessionRequest& request,
                               casework::v1::CommandFacts* facts) const;

 private:
  explicit ProtocolRegistry(std::vector<casework::v1::ProtocolTemplate> protocols)
      : protocols_(std::move(protocols)) {}

  std::vector<casework::v1::ProtocolTemplate> protocols_;
};

// A content hash of the template ("r" + 16 hex digits), stable across runs and machines.
std::string ProtocolRevision(const casework::v1::ProtocolTemplate& protocol);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_PROTOCOL_REGISTRY_H_
