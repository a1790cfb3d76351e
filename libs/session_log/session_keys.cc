// Session name -> Redis keys.
#include "libs/session_log/session_keys.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace casework::session {
namespace {

// Braces would change the hash tag and colons the key layout.
bool KeySafe(absl::string_view id) { return id.find_first_of("{}: \n") == absl::string_view::npos; }

}  // namespace

absl::StatusOr<SessionKeys> SessionKeys::For(absl::string_view session_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(session_name, '/');
  if (parts.size() != 6 || parts[0] != "organizations" || parts[2] != "teams" ||
      parts[4] != "sessions" || parts[1].empty() || parts[3].empty() || parts[5].empty()) {
    return absl::InvalidArgumentError("not a session name");
  }
  for (absl::string_view id : {parts[1], parts[3], parts[5]}) {
    if (!KeySafe(id)) {
      return absl::InvalidArgumentError("session name holds a character ids may not contain");
    }
  }
  const std::string prefix = absl::StrCat("cw:", parts[1], ":{", parts[3], "/", parts[5], "}:");
  return SessionKeys{absl::StrCat(prefix, "log"),
                     absl::StrCat(prefix, "snap"),
                     absl::StrCat(prefix, "req"),
                     absl::StrCat(prefix, "wake"),
                     absl::StrCat("cw:", parts[1], ":{team:", parts[3], "}:sessions"),
                     absl::StrCat("cw:", parts[1], ":quota")};
}

absl::StatusOr<std::string> TeamIndexKey(absl::string_view team_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(team_name, '/');
  if (parts.size() != 4 || parts[0] != "organizations" || parts[2] != "teams" || parts[1].empty() ||
      parts[3].empty() || !KeySafe(team_name)) {
    return absl::InvalidArgumentError("not a team name");
  }
  return absl::StrCat("cw:", parts[1], ":{team:", parts[3], "}:sessions");
}

}  // namespace casework::session
