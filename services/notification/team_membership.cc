// VerifiedTeams, VerifyClaimedTeams and MemberListChanges: the watchers' teams from the member
// lists.
#include "services/notification/team_membership.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace casework::notification {
namespace {

namespace v1 = ::casework::v1;

bool Supervises(const v1::TeamMember& member) {
  return std::find(member.roles().begin(), member.roles().end(), v1::TEAM_ROLE_SUPERVISOR) !=
         member.roles().end();
}

}  // namespace

std::string TeamName(absl::string_view organization, absl::string_view team_id) {
  return absl::StrCat("organizations/", organization, "/teams/", team_id);
}

void VerifiedTeams::Apply(const std::string& team_id,
                          const absl::StatusOr<v1::TeamMember>& member) {
  if (member.ok()) {
    member_of.insert(team_id);
    if (Supervises(*member)) {
      supervisor_of.insert(team_id);
    } else {
      supervisor_of.erase(team_id);
    }
  } else if (absl::IsNotFound(member.status())) {
    member_of.erase(team_id);
    supervisor_of.erase(team_id);
  }
}

void VerifyClaimedTeams(TeamDirectory& directory, const v1::Principal& viewer,
                        absl::AnyInvocable<void(absl::StatusOr<VerifiedTeams>) &&> done) {
  struct Pending {
    absl::Mutex mu;
    VerifiedTeams teams ABSL_GUARDED_BY(mu);
    absl::Status failed ABSL_GUARDED_BY(mu);
    size_t left ABSL_GUARDED_BY(mu) = 0;
    absl::AnyInvocable<void(absl::StatusOr<VerifiedTeams>) &&> done;
  };
  // Copied first: answers may come (and `done` run) before the loop below ends.
  const std::vector<std::string> claimed(viewer.teams().begin(), viewer.teams().end());
  if (claimed.empty()) {
    std::move(done)(VerifiedTeams{});
    return;
  }
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  {
    absl::MutexLock lock(&pending->mu);
    pending->left = claimed.size();
  }
  for (const std::string& team_id : claimed) {
    directory.FindMember(viewer, TeamName(viewer.organization(), team_id),
                         [pending, team_id](absl::StatusOr<v1::TeamMember> member) {
                           absl::StatusOr<VerifiedTeams> result;
                           {
                             absl::MutexLock lock(&pending->mu);
                             if (!member.ok() && !absl::IsNotFound(member.status())) {
                               pending->failed = member.status();
                             } else {
                               pending->teams.Apply(team_id, member);
                             }
                             if (--pending->left > 0) return;
                             if (pending->failed.ok()) {
                               result = std::move(pending->teams);
                             } else {
                               result = pending->failed;
                             }
                           }
                           std::move(pending->done)(std::move(result));
                         });
  }
}

void MemberListChanges::Poll(const std::vector<std::string>& teams,
                             std::function<void(const std::string&)> changed) {
  std::vector<std::string> ask;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = seen_.begin(); it != seen_.end();) {
      const bool named = std::find(teams.begin(), teams.end(), it->first) != teams.end();
      if (!named && !it->second.asking) {
        seen_.erase(it++);
      } else {
        ++it;
      }
    }
    for (const std::string& team : teams) {
      Seen& seen = seen_[team];
      if (seen.asking) continue;
      seen.asking = true;
      ask.push_back(team);
    }
  }
  for (const std::string& team : ask) {
    directory_.GetTeam(team, [self = shared_from_this(), team,
                              changed](absl::StatusOr<std::shared_ptr<const v1::Team>> list) {
      self->Answered(team, std::move(list), changed);
    });
  }
}

void MemberListChanges::Answered(const std::string& team,
                                 absl::StatusOr<std::shared_ptr<const v1::Team>> list,
                                 const std::function<void(const std::string&)>& changed) {
  {
    absl::MutexLock lock(&mu_);
    Seen& seen = seen_[team];
    seen.asking = false;
    // Records unreachable: nothing is known to have changed, and open streams stay as they are.
    if (!list.ok() && !absl::IsNotFound(list.status())) return;
    std::shared_ptr<const v1::Team> now = list.ok() ? *std::move(list) : nullptr;
    if (seen.looked && seen.list == now) return;
    seen.looked = true;
    seen.list = std::move(now);
  }
  changed(team);
}

}  // namespace casework::notification
