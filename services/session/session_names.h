// Resource names the session service takes, checked against the caller: a name in another
// organisation answers exactly like a session that does not exist.
#ifndef SERVICES_SESSION_SESSION_NAMES_H_
#define SERVICES_SESSION_SESSION_NAMES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session_command.pb.h"

namespace casework::session {

// The one answer for a session that does not exist or is not the caller's to see.
absl::Status SessionNotFound();

// OK when `name` is organizations/{caller's org}/teams/{team}/sessions/{id}; otherwise the
// not-found answer (a malformed name is INVALID_ARGUMENT for field `field`).
absl::Status CheckSessionName(absl::string_view name, const casework::v1::Principal& caller,
                              absl::string_view field = "name");

// OK when `parent` is organizations/{caller's org}/teams/{team}.
absl::Status CheckTeamName(absl::string_view parent, const casework::v1::Principal& caller);

// Whether the caller reads the session: a participant, its creator, or the supervisor of its team.
bool MayReadSession(const casework::v1::SessionSnapshot& state,
                    const casework::v1::Principal& caller);

// A new session id: 16 random lowercase hex characters.
std::string NewSessionId();

}  // namespace casework::session

#endif  // SERVICES_SESSION_SESSION_NAMES_H_
