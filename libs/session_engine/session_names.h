// Resource names the session service takes, checked against the caller: a name in another
// organisation answers exactly like a session that does not exist.
#ifndef LIBS_SESSION_ENGINE_SESSION_NAMES_H_
#define LIBS_SESSION_ENGINE_SESSION_NAMES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session_command.pb.h"

namespace casework::session {

// The one answer for a session that does not exist or is not the caller's to see.
absl::Status SessionNotFound();
// The one answer for a team that does not exist or that the caller is not a member of.
absl::Status TeamNotFound();

// OK when `name` is organizations/{caller's org}/teams/{team}/sessions/{id} of a team in the
// caller's `teams` claim; otherwise the not-found answer (a malformed name is INVALID_ARGUMENT for
// field `field`). The claim alone admits nobody: the team's member list is checked after this.
absl::Status CheckSessionName(absl::string_view name, const casework::v1::Principal& caller,
                              absl::string_view field = "name");

// OK when `parent` is organizations/{caller's org}/teams/{team}.
absl::Status CheckTeamName(absl::string_view parent, const casework::v1::Principal& caller);

// Whether the caller reads the live session: only its participants do (membership of the team
// is checked before, against the team's member list).
bool MayReadSession(const casework::v1::SessionSnapshot& state,
                    const casework::v1::Principal& caller);

// "organizations/{org}/teams/{team}" of a session name already checked ("" otherwise).
std::string TeamOfSession(absl::string_view session_name);

// A new session id: 16 random lowercase hex characters.
std::string NewSessionId();

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_SESSION_NAMES_H_
