// The plan a new session pins at CreateSession: the protocol template resolved for this session
// (an extended meeting's segment expanded into phases "{slot}.{phase}", a case discussion's
// protocol merged in, timing overrides applied, the warning lead made explicit), and the phase
// list the Session starts with. Resolving once at creation means replaying a session never
// depends on template files that changed later.
#ifndef LIBS_SESSION_ENGINE_SESSION_PLAN_H_
#define LIBS_SESSION_ENGINE_SESSION_PLAN_H_

#include "absl/status/statusor.h"
#include "casework/v1/protocol.pb.h"
#include "casework/v1/session.pb.h"
#include "casework/v1/session_command.pb.h"

namespace casework::session {

// INVALID_ARGUMENT FIELD_INVALID for a segment the template does not offer (or a missing one it
// requires) and for timing overrides naming unknown phases or out of range; INTERNAL
// COMMAND_FACTS_MISSING when the case-discussion protocol was not supplied.
absl::StatusOr<casework::v1::ProtocolTemplate> ResolveSessionProtocol(
    const casework::v1::Session& requested, const casework::v1::CommandFacts& facts);

// The resolved template's phases as pending SessionPhases.
void PlanPhases(const casework::v1::ProtocolTemplate& resolved, casework::v1::Session* session);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_SESSION_PLAN_H_
