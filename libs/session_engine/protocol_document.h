// The reference part of docs/PROTOCOLS.md, rendered from the loaded templates: for each protocol
// its roles, limits, rules and a table of phases with timeboxes, permissions, visibility,
// turn-taking, checks and exit criteria. The document holds it between two marker lines; a test
// regenerates it and compares, so the document cannot drift from the files.
#ifndef LIBS_SESSION_ENGINE_PROTOCOL_DOCUMENT_H_
#define LIBS_SESSION_ENGINE_PROTOCOL_DOCUMENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casework/v1/protocol.pb.h"

namespace casework::session {

inline constexpr absl::string_view kGeneratedBegin =
    "<!-- BEGIN GENERATED: protocols_doc from protocols/*.textproto; do not edit by hand -->";
inline constexpr absl::string_view kGeneratedEnd = "<!-- END GENERATED -->";

// The generated reference for `protocols` (in the given order).
std::string RenderProtocolReference(const std::vector<casework::v1::ProtocolTemplate>& protocols);

// `document` with the text between the markers replaced by `generated`; FAILED_PRECONDITION when
// the markers are missing.
absl::StatusOr<std::string> ReplaceGeneratedSection(absl::string_view document,
                                                    absl::string_view generated);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_PROTOCOL_DOCUMENT_H_
