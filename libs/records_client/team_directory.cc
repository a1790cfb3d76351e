// TeamDirectory: a per-team cache of GetTeam answers, refreshed after its ttl, shared fetches.
#include "libs/records_client/team_directory.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/status/errors.h"

namespace casework {
namespace {

namespace v1 = ::casework::v1;
using SharedTeam = std::shared_ptr<const v1::Team>;

absl::Status NotAMember() { return absl::NotFoundError("not a member of the team"); }

absl::Status RecordsUnavailable(absl::string_view why) {
  return Error(
      absl::StatusCode::kUnavailable, "DEPENDENCY_UNAVAILABLE",
      absl::StrCat("the records service could not confirm team membership (", why, "); retry"));
}

struct GetTeamCall {
  grpc::ClientContext context;
  v1::GetTeamRequest request;
  v1::Team response;
};

// Whether the caller's token puts them in the team's organisation and names the team.
bool ClaimCovers(const v1::Principal& caller, absl::string_view team_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(team_name, '/');
  if (parts.size() != 4 || parts[0] != "organizations" || parts[2] != "teams") return false;
  if (parts[1].empty() || parts[1] != caller.organization()) return false;
  return std::find(caller.teams().begin(), caller.teams().end(), parts[3]) != caller.teams().end();
}

}  // namespace

TeamDirectory::TeamDirectory(RecordsClient* records, TeamDirectoryOptions options,
                             std::function<absl::Time()> clock)
    : records_(records), options_(options), clock_(std::move(clock)) {}

TeamDirectory::~TeamDirectory() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
}

int64_t TeamDirectory::fetches() const {
  absl::MutexLock lock(&mu_);
  return fetches_;
}

void TeamDirectory::FindMember(const v1::Principal& caller, const std::string& team_name,
                               MemberDone done) {
  if (!ClaimCovers(caller, team_name)) {
    std::move(done)(NotAMember());
    return;
  }
  GetTeam(team_name, [subject = caller.subject(),
                      done = std::move(done)](absl::StatusOr<SharedTeam> team) mutable {
    if (!team.ok()) {
      std::move(done)(team.status().code() == absl::StatusCode::kNotFound ? NotAMember()
                                                                          : team.status());
      return;
    }
    for (const v1::TeamMember& member : (*team)->members()) {
      if (!subject.empty() && member.subject() == subject) {
        std::move(done)(member);
        return;
      }
    }
    std::move(done)(NotAMember());
  });
}

void TeamDirectory::GetTeam(const std::string& team_name, TeamDone done) {
  absl::StatusOr<SharedTeam> cached;
  bool from_cache = false;
  bool start_fetch = false;
  {
    absl::MutexLock lock(&mu_);
    auto found = teams_.find(team_name);
    if (found != teams_.end() && !found->second.fetching &&
        clock_() - found->second.fetched < options_.ttl) {
      cached = found->second.team;
      from_cache = true;
    } else {
      if (found == teams_.end()) {
        EvictIfFull();
        found = teams_.try_emplace(team_name).first;
      }
      found->second.waiting.push_back(std::move(done));
      start_fetch = !found->second.fetching;
      found->second.fetching = true;
      if (start_fetch) {
        ++in_flight_;
        ++fetches_;
      }
    }
  }
  if (from_cache) {
    std::move(done)(std::move(cached));
    return;
  }
  if (start_fetch) Fetch(team_name);
}

void TeamDirectory::Fetch(const std::string& team_name) {
  if (records_ == nullptr) {
    Fetched(team_name, RecordsUnavailable("no records service configured"));
    return;
  }
  auto call = std::make_shared<GetTeamCall>();
  call->request.set_name(team_name);
  // Tells the records service's audit log that this read is a membership check.
  call->context.AddMetadata("x-request-id", std::string(kMembershipRequestId));
  if (absl::Status prepared = records_->Prepare(call->context); !prepared.ok()) {
    Fetched(team_name, RecordsUnavailable(prepared.message()));
    return;
  }
  records_->stub().async()->GetTeam(
      &call->context, &call->request, &call->response,
      [this, team_name, call](grpc::Status status) {
        if (status.ok()) {
          Fetched(team_name, std::make_shared<const v1::Team>(std::move(call->response)));
        } else if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
          Fetched(team_name, absl::NotFoundError("no such team"));
        } else {
          Fetched(team_name, RecordsUnavailable(status.error_message()));
        }
      });
}

void TeamDirectory::Fetched(const std::string& team_name, absl::StatusOr<SharedTeam> team) {
  std::vector<TeamDone> waiting;
  {
    absl::MutexLock lock(&mu_);
    Entry& entry = teams_[team_name];
    waiting = std::move(entry.waiting);
    entry.waiting.clear();
    entry.fetching = false;
    // A failed fetch is not cached: the next check asks again, and nobody is admitted meanwhile.
    if (team.ok() || team.status().code() == absl::StatusCode::kNotFound) {
      entry.team = team;
      entry.fetched = clock_();
    } else {
      entry.fetched = absl::InfinitePast();
    }
  }
  for (TeamDone& done : waiting) std::move(done)(team);
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

void TeamDirectory::EvictIfFull() {
  if (teams_.size() < options_.max_teams) return;
  for (auto it = teams_.begin(); it != teams_.end();) {
    if (!it->second.fetching && clock_() - it->second.fetched >= options_.ttl) {
      teams_.erase(it++);
    } else {
      ++it;
    }
  }
  for (auto it = teams_.begin(); teams_.size() >= options_.max_teams && it != teams_.end();) {
    if (!it->second.fetching) {
      teams_.erase(it++);
    } else {
      ++it;
    }
  }
}

}  // namespace casework
