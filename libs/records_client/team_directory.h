// Who is in a team, as the records service lists it: the session and notification services ask
// it before they let a caller near a team's sessions, so membership comes from the team's member
// list, never from a token's `teams` claim alone (the claim is required as well, as in records).
//
// Member lists are cached per team for `ttl` (default 5 s) and fetched again after that, so a
// member removed from a team loses access within `ttl` of the records service acknowledging the
// change. A stale list is never trusted: when the records service cannot answer, the check fails
// UNAVAILABLE (DEPENDENCY_UNAVAILABLE) rather than admitting on an old list. Concurrent checks of
// one team share one fetch.
#ifndef LIBS_RECORDS_CLIENT_TEAM_DIRECTORY_H_
#define LIBS_RECORDS_CLIENT_TEAM_DIRECTORY_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/team.pb.h"
#include "libs/records_client/records_client.h"

namespace casework {

// The x-request-id of every member-list fetch (records audits it with the GetTeam call).
inline constexpr absl::string_view kMembershipRequestId = "team-membership-check";

struct TeamDirectoryOptions {
  absl::Duration ttl = absl::Seconds(5);  // how long a fetched member list is trusted
  size_t max_teams = 4096;                // lists kept at once (a miss costs one fetch)
};

class TeamDirectory {
 public:
  using MemberDone = absl::AnyInvocable<void(absl::StatusOr<casework::v1::TeamMember>) &&>;

  // `records` may be null (no records service configured): then nobody is a member of anything
  // and every check fails UNAVAILABLE.
  TeamDirectory(
      RecordsClient* records, TeamDirectoryOptions options = {},
      std::function<absl::Time()> clock = [] { return absl::Now(); });
  ~TeamDirectory();  // waits for fetches in flight

  // The caller's entry in `team_name` ("organizations/{org}/teams/{team}"): OK when the team is
  // in the caller's organisation and `teams` claim and lists the caller's subject; NOT_FOUND when
  // any of that fails or the team does not exist (callers answer it exactly like a missing
  // resource); UNAVAILABLE when the records service cannot say. `done` may run on the calling
  // thread or on a gRPC client thread; it must not block.
  void FindMember(const casework::v1::Principal& caller, const std::string& team_name,
                  MemberDone done);

  // The team's member list (cached as above): NOT_FOUND when the team does not exist.
  using TeamDone =
      absl::AnyInvocable<void(absl::StatusOr<std::shared_ptr<const casework::v1::Team>>) &&>;
  void GetTeam(const std::string& team_name, TeamDone done);

  // Fetches of member lists so far (tests and metrics).
  int64_t fetches() const;

 private:
  struct Entry {
    absl::Time fetched = absl::InfinitePast();
    absl::StatusOr<std::shared_ptr<const casework::v1::Team>> team =
        absl::NotFoundError("not fetched");
    bool fetching = false;
    std::vector<TeamDone> waiting;
  };
  void Fetch(const std::string& team_name);
  void Fetched(const std::string& team_name,
               absl::StatusOr<std::shared_ptr<const casework::v1::Team>> team);
  void EvictIfFull() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  RecordsClient* const records_;
  const TeamDirectoryOptions options_;
  const std::function<absl::Time()> clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> teams_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t fetches_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace casework

#endif  // LIBS_RECORDS_CLIENT_TEAM_DIRECTORY_H_
