// OrgLogFeed's watchers against their teams' member lists: on the ticker (never the Redis loop
// thread), each team some watcher claims is looked up in the directory; when its list was fetched
// anew (at most once per ttl), every watcher claiming the team is checked against it again, so a
// member removed from the list stops receiving the team's notices within the ttl plus one records
// deadline, and one added starts. The records service unreachable changes nothing.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "services/notification/org_feed.h"

namespace casework::notification {

namespace v1 = ::casework::v1;

void OrgLogFeed::RecheckMembers() {
  std::vector<std::string> teams;
  absl::flat_hash_set<std::string> claimed;
  for (const auto& watcher : Watchers()) {
    for (const std::string& team_id : watcher->viewer.teams()) {
      if (claimed.insert(team_id).second) teams.push_back(TeamName(organization_, team_id));
    }
  }
  if (teams.empty()) return;
  member_lists_->Poll(teams, [self = shared_as<OrgLogFeed>()](const std::string& team) {
    self->RecheckTeam(team);
  });
}

void OrgLogFeed::RecheckTeam(const std::string& team) {
  const std::string team_id = team.substr(team.rfind('/') + 1);
  for (const auto& watcher : Watchers()) {
    const auto& claim = watcher->viewer.teams();
    if (std::find(claim.begin(), claim.end(), team_id) == claim.end()) continue;
    members_.FindMember(watcher->viewer, team,
                        [watcher, team_id](absl::StatusOr<v1::TeamMember> member) {
                          watcher->Reverified(team_id, member);
                        });
  }
}

}  // namespace casework::notification
