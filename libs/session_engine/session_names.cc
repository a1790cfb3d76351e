// Name checks of the session service.
#include "libs/session_engine/session_names.h"

#include <openssl/rand.h>

#include <algorithm>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "libs/status/errors.h"

namespace casework::session {
namespace {

bool ValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::Status Malformed(absl::string_view field, absl::string_view pattern) {
  return InvalidArgument("FIELD_INVALID",
                         {{std::string(field), absl::StrCat("must be of the form ", pattern)}});
}

// What is said in a team's sessions stays in the team: only its members (the token's `teams`
// claim) reach them.
bool InCallersTeam(absl::string_view team, const casework::v1::Principal& caller) {
  return std::find(caller.teams().begin(), caller.teams().end(), team) != caller.teams().end();
}

}  // namespace

absl::Status SessionNotFound() {
  return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND", "session not found");
}

absl::Status TeamNotFound() {
  return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND", "team not found");
}

absl::Status CheckSessionName(absl::string_view name, const casework::v1::Principal& caller,
                              absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 6 || parts[0] != "organizations" || parts[2] != "teams" ||
      parts[4] != "sessions" || !ValidId(parts[1]) || !ValidId(parts[3]) || !ValidId(parts[5])) {
    return Malformed(field, "organizations/{organization}/teams/{team}/sessions/{session}");
  }
  if (parts[1] != caller.organization() || !InCallersTeam(parts[3], caller)) {
    return SessionNotFound();
  }
  return absl::OkStatus();
}

absl::Status CheckTeamName(absl::string_view parent, const casework::v1::Principal& caller) {
  std::vector<absl::string_view> parts = absl::StrSplit(parent, '/');
  if (parts.size() != 4 || parts[0] != "organizations" || parts[2] != "teams" ||
      !ValidId(parts[1]) || !ValidId(parts[3])) {
    return Malformed("parent", "organizations/{organization}/teams/{team}");
  }
  if (parts[1] != caller.organization() || !InCallersTeam(parts[3], caller)) {
    return TeamNotFound();
  }
  return absl::OkStatus();
}

bool MayReadSession(const casework::v1::SessionSnapshot& state,
                    const casework::v1::Principal& caller) {
  // A live session is for its participants only: not its creator, not the team's supervisor
  // (they read the stored record, as far as the protocol releases it).
  if (caller.subject().empty()) return false;
  for (const casework::v1::Participant& participant : state.session().participants()) {
    if (participant.subject() == caller.subject()) return true;
  }
  return false;
}

std::string TeamOfSession(absl::string_view session_name) {
  const size_t cut = session_name.find("/sessions/");
  return std::string(session_name.substr(0, cut == absl::string_view::npos ? 0 : cut));
}

std::string NewSessionId() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof(bytes));
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)));
}

}  // namespace casework::session
