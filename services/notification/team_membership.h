// What the notification service knows of its watchers' teams, always from the team's member list
// (libs/records_client/team_directory.h: the token's `teams` claim AND the list), never from the
// claim or the token's roles alone:
//   - VerifiedTeams: the teams a watcher of the organisation feed is a listed member of, and those
//     whose list makes them the supervisor (TEAM_ROLE_SUPERVISOR) — what "team:<t>" and
//     "supervisor:<t>" notices are delivered by.
//   - VerifyClaimedTeams: resolves them for every team in the claim before a watcher attaches.
//   - MemberListChanges: tells a feed when the directory holds a member list fetched anew (once
//     per ttl per team), so the feed re-checks its open streams against it. A removed member is
//     seen at the first fetch after the removal: within the ttl plus one records deadline.
// Nothing here blocks: answers come on the calling thread (cached lists) or on a gRPC client
// thread (fetches), never on the Redis loop thread.
#ifndef SERVICES_NOTIFICATION_TEAM_MEMBERSHIP_H_
#define SERVICES_NOTIFICATION_TEAM_MEMBERSHIP_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/team.pb.h"
#include "libs/records_client/team_directory.h"

namespace casework::notification {

// "organizations/{organization}/teams/{team_id}".
std::string TeamName(absl::string_view organization, absl::string_view team_id);

// The teams (ids, in the watcher's organisation) a watcher's membership was confirmed in.
struct VerifiedTeams {
  absl::flat_hash_set<std::string> member_of;
  absl::flat_hash_set<std::string> supervisor_of;  // a subset of member_of

  // Takes in what TeamDirectory::FindMember answered for team `team_id`: a member entry confirms
  // the team (and the supervision when it holds TEAM_ROLE_SUPERVISOR), NOT_FOUND withdraws it, any
  // other error (records unreachable) changes nothing.
  void Apply(const std::string& team_id, const absl::StatusOr<casework::v1::TeamMember>& member);
};

// The viewer's VerifiedTeams over every team of their `teams` claim; UNAVAILABLE
// (DEPENDENCY_UNAVAILABLE) when the records service could not confirm one of them: a new watcher
// is never admitted on a guess. `done` runs once, on the calling thread or a gRPC client thread.
void VerifyClaimedTeams(TeamDirectory& directory, const casework::v1::Principal& viewer,
                        absl::AnyInvocable<void(absl::StatusOr<VerifiedTeams>) &&> done);

// Per feed: which teams' member lists the directory fetched anew since the feed last looked.
class MemberListChanges : public std::enable_shared_from_this<MemberListChanges> {
 public:
  explicit MemberListChanges(TeamDirectory& directory) : directory_(directory) {}

  // Asks the directory for each of `teams` (its cache; a fetch once a list is older than the
  // ttl, never more than one of ours at a time per team) and calls `changed(team)` for each team
  // whose list, or its absence, is not the one seen last time (the first look counts as a change).
  // A list the records service could not give changes nothing. Teams not named are forgotten.
  void Poll(const std::vector<std::string>& teams, std::function<void(const std::string&)> changed);

 private:
  struct Seen {
    std::shared_ptr<const casework::v1::Team> list;  // held, so its address is never reused
    bool looked = false;
    bool asking = false;
  };
  void Answered(const std::string& team,
                absl::StatusOr<std::shared_ptr<const casework::v1::Team>> list,
                const std::function<void(const std::string&)>& changed);

  TeamDirectory& directory_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Seen> seen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_TEAM_MEMBERSHIP_H_
