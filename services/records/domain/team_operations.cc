// Teams: created and changed by admins (the supervisor may change the cadence and thresholds),
// read by their members, admins, auditors and the service identities.
#include <set>

#include "absl/time/time.h"
#include "libs/status/errors.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/operations.h"

namespace casework::records::ops {
namespace {

using casework::v1::Team;

constexpr unsigned kTeamReaders = kAdmins | kAuditors | kSessionService | kNotificationService;

void CheckMembers(const Team& team, Violations& violations) {
  std::set<std::string> seen;
  for (int i = 0; i < team.members_size(); ++i) {
    const casework::v1::TeamMember& member = team.members(i);
    const std::string field = absl::StrCat("team.members[", i, "]");
    violations.CheckToken(field + ".subject", member.subject(), 128);
    if (!seen.insert(member.subject()).second) violations.Add(field, "lists a subject twice");
    if (member.roles().empty()) violations.Add(field + ".roles", "needs at least one role");
    for (int role : member.roles()) {
      if (role == casework::v1::TEAM_ROLE_UNSPECIFIED || !casework::v1::TeamRole_IsValid(role)) {
        violations.Add(field + ".roles", "holds an invalid role");
      }
    }
  }
}

void CheckCadence(const casework::v1::MeetingCadence& cadence, Violations& violations) {
  const std::string f = "team.meeting_cadence";
  if (cadence.interval_weeks() != 1 && cadence.interval_weeks() != 2) {
    violations.Add(f + ".interval_weeks", "must be 1 or 2");
  }
  if (cadence.weekday() == casework::v1::WEEKDAY_UNSPECIFIED) {
    violations.Add(f + ".weekday", "is required");
  }
  if (cadence.start_time().hours() < 0 || cadence.start_time().hours() > 23 ||
      cadence.start_time().minutes() < 0 || cadence.start_time().minutes() > 59) {
    violations.Add(f + ".start_time", "must be a time of day");
  }
  if (FromProtoDuration(cadence.duration()) < absl::Hours(1)) {
    violations.Add(f + ".duration", "must be at least 1 hour");
  }
  absl::TimeZone zone;
  if (cadence.time_zone().empty() || !absl::LoadTimeZone(cadence.time_zone(), &zone)) {
    violations.Add(f + ".time_zone", "must be an IANA time zone");
  }
  if (!cadence.has_anchor_time()) violations.Add(f + ".anchor_time", "is required");
  if (cadence.has_extended_meeting()) {
    const auto& rule = cadence.extended_meeting();
    if (rule.occurrence() == casework::v1::MONTHLY_OCCURRENCE_UNSPECIFIED) {
      violations.Add(f + ".extended_meeting.occurrence", "is required");
    }
    const absl::Duration extra = FromProtoDuration(rule.additional_duration());
    if (extra < absl::Hours(1) || extra > absl::Hours(4)) {
      violations.Add(f + ".extended_meeting.additional_duration", "must be 1 to 4 hours");
    }
  }
}

void CheckThresholds(const Team& team, Violations& violations) {
  std::set<int> stages;
  for (int i = 0; i < team.stagnation_thresholds_size(); ++i) {
    const auto& threshold = team.stagnation_thresholds(i);
    const std::string field = absl::StrCat("team.stagnation_thresholds[", i, "]");
    if (threshold.stage() < 1 || threshold.stage() > 6) violations.Add(field + ".stage", "1–6");
    if (!stages.insert(threshold.stage()).second) violations.Add(field, "repeats a stage");
    if (FromProtoDuration(threshold.threshold()) < absl::Hours(24)) {
      violations.Add(field + ".threshold", "must be at least 1 day");
    }
  }
}

void CheckTeamContent(const Team& team, Violations& violations) {
  violations.CheckText("team.display_name", team.display_name(), 1, 200);
  CheckMembers(team, violations);
  if (team.has_meeting_cadence()) CheckCadence(team.meeting_cadence(), violations);
  CheckThresholds(team, violations);
}

// Members keep their join time; new ones join now.
void StampJoinTimes(const Team* before, Team& team, absl::Time now) {
  for (casework::v1::TeamMember& member : *team.mutable_members()) {
    member.clear_join_time();
    if (before != nullptr) {
      for (const auto& old : before->members()) {
        if (old.subject() == member.subject()) *member.mutable_join_time() = old.join_time();
      }
    }
    if (!member.has_join_time()) *member.mutable_join_time() = ToProtoTime(now);
  }
}

// A caseworker losing the role (or leaving) must not keep open cases.
absl::Status CheckNoOrphanedCases(OpContext& ctx, const Team& before, const Team& after) {
  for (const auto& member : before.members()) {
    if (!HoldsTeamRole(before, member.subject(), casework::v1::TEAM_ROLE_CASEWORKER) ||
        HoldsTeamRole(after, member.subject(), casework::v1::TEAM_ROLE_CASEWORKER)) {
      continue;
    }
    ListQuery query{ResourceKind::kCase, OrganizationOf(before.name()), {before.name()}};
    query.equals = {{IndexedField::kCaseworker, member.subject()},
                    {IndexedField::kCaseStatus, absl::StrCat(casework::v1::CASE_STATUS_OPEN)}};
    query.limit = 1;
    CASEWORK_ASSIGN_OR_RETURN(std::vector<ListedResource> open, ctx.reader.List(query));
    if (!open.empty()) {
      return Error(absl::StatusCode::kFailedPrecondition, "MEMBER_HAS_OPEN_CASES",
                   "a caseworker who still has open cases cannot lose the role; reassign the "
                   "cases first",
                   {{"subject", member.subject()}});
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Team> CreateTeam(OpContext& ctx, const casework::v1::CreateTeamRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(std::string organization,
                            ParseOrganizationName(request.parent(), "parent"));
  if (!ActsInOrganization(ctx.principal, organization) || ctx.principal.organization() == "*") {
    return NotFound(request.parent());
  }
  if (!HasRole(ctx.principal, kAdminRole)) return RoleRequired(kAdminRole, "creating a team");
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.team_id().empty() && !IsValidId(request.team_id())) {
    violations.Add("team_id", "must be 1–63 lower-case letters, digits and dashes");
  }
  CheckTeamContent(request.team(), violations);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());

  Team team = request.team();
  const std::string id = request.team_id().empty() ? NewId() : request.team_id();
  team.set_name(TeamName{organization, id}.Full());
  StampJoinTimes(nullptr, team, ctx.now);
  StampCreated(team, ctx.now);
  CASEWORK_RETURN_IF_ERROR(InsertNew(ctx, team, team.name()));
  return team;
}

absl::StatusOr<Team> GetTeam(OpContext& ctx, const casework::v1::GetTeamRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(TeamName name, ParseTeamName(request.name(), "name"));
  CASEWORK_ASSIGN_OR_RETURN(TeamView view, LoadTeam(ctx, name, request.name(), kTeamReaders));
  return view.team;
}

absl::StatusOr<casework::v1::ListTeamsResponse> ListTeams(
    OpContext& ctx, const casework::v1::ListTeamsRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(std::string organization,
                            ParseOrganizationName(request.parent(), "parent"));
  if (!ActsInOrganization(ctx.principal, organization)) return NotFound(request.parent());
  const bool sees_all = InAudience(ctx.principal, kTeamReaders);
  ListQuery query{ResourceKind::kTeam, organization};
  query.sort = SortField::kDisplayName;
  CASEWORK_ASSIGN_OR_RETURN(
      Page<Team> page, ListPage<Team>(ctx, query, request.page_size(), request.page_token(),
                                      PageBinding(ctx, request.parent(), "", ""), [&](Team& team) {
                                        return sees_all || StandingIn(ctx.principal, team).member;
                                      }));
  casework::v1::ListTeamsResponse response;
  for (Team& team : page.items) *response.add_teams() = std::move(team);
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<Team> UpdateTeam(OpContext& ctx, const casework::v1::UpdateTeamRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(TeamName name, ParseTeamName(request.team().name(), "team.name"));
  CASEWORK_ASSIGN_OR_RETURN(TeamView view,
                            LoadTeam(ctx, name, request.team().name(), kAdmins | kAuditors));
  const bool admin = HasRole(ctx.principal, kAdminRole);
  if (!admin && !view.standing.supervisor) {
    return RoleRequired("admin or team supervisor", "changing a team");
  }
  CASEWORK_ASSIGN_OR_RETURN(
      CheckedMask mask,
      CheckUpdateMask(request.update_mask(), *Team::descriptor(),
                      {"display_name", "members", "meeting_cadence", "stagnation_thresholds"}));
  if (!admin && (mask.Names("display_name") || mask.Names("members"))) {
    return RoleRequired(kAdminRole, "changing a team's name or members");
  }
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  CheckEtagPresent(request.team().etag(), "team.etag", violations);
  Team updated = view.team;
  ApplyUpdateMask(request.team(), mask, updated);
  CheckTeamContent(updated, violations);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  if (request.team().etag() != view.team.etag()) return EtagMismatch(view.team.etag());
  CASEWORK_RETURN_IF_ERROR(CheckNoOrphanedCases(ctx, view.team, updated));
  StampJoinTimes(&view.team, updated, ctx.now);
  StampChanged(updated, ctx.now);
  CASEWORK_RETURN_IF_ERROR(ctx.writer->Update(updated, view.team.etag()));
  return updated;
}

}  // namespace casework::records::ops
