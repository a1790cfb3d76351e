// What identifies a session command for idempotency and timing: its request_id, the fingerprint
// that tells a retry from a reused id, when the session's timer must next tick it, and the other
// facts of a state its append's follow-ups depend on.
#ifndef SERVICES_SESSION_COMMAND_IDENTITY_H_
#define SERVICES_SESSION_COMMAND_IDENTITY_H_

#include <string>

#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session_command.pb.h"

namespace casework::session {

// Identifies a request's payload and caller, so a reused request id is told from a retry.
std::string Fingerprint(const casework::v1::SessionCommand& command,
                        const casework::v1::Principal& principal);

// The request_id of whichever request the command carries ("" for none).
std::string CommandRequestId(const casework::v1::SessionCommand& command);

// When the session's timer loop must next tick it (time warning or overrun), if ever.
absl::optional<absl::Time> NextTimerDue(const casework::v1::SessionSnapshot& state);

// Whether the session has ended (or was cancelled) and the records service has not yet
// acknowledged its record.
bool RecordOwed(const casework::v1::SessionSnapshot& state);

// Whether the session runs now (in progress or paused).
bool Running(const casework::v1::SessionSnapshot& state);

}  // namespace casework::session

#endif  // SERVICES_SESSION_COMMAND_IDENTITY_H_
