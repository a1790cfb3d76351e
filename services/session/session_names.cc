// Name checks of the session service.
#include "services/session/session_names.h"

#include <openssl/rand.h>

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

}  // namespace

absl::Status SessionNotFound() {
  return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND", "session not found");
}

absl::Status CheckSessionName(absl::string_view name, const casework::v1::Principal& caller,
                              absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 6 || parts[0] != "organizations" || parts[2] != "teams" ||
      parts[4] != "sessions" || !ValidId(parts[1]) || !ValidId(parts[3]) || !ValidId(parts[5])) {
    return Malformed(field, "organizations/{organization}/teams/{team}/sessions/{session}");
  }
  if (parts[1] != caller.organization()) return SessionNotFound();
  return absl::OkStatus();
}

absl::Status CheckTeamName(absl::string_view parent, const casework::v1::Principal& caller) {
  std::vector<absl::string_view> parts = absl::StrSplit(parent, '/');
  if (parts.size() != 4 || parts[0] != "organizations" || parts[2] != "teams" ||
      !ValidId(parts[1]) || !ValidId(parts[3])) {
    return Malformed("parent", "organizations/{organization}/teams/{team}");
  }
  if (parts[1] != caller.organization()) {
    return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND", "team not found");
  }
  return absl::OkStatus();
}

std::string NewSessionId() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof(bytes));
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)));
}

}  // namespace casework::session
