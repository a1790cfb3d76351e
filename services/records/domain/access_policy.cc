// The need-to-know rules of docs/ACCESS.md.
#include "services/records/domain/access_policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/status/errors.h"

namespace casework::records {

using casework::v1::Principal;

bool HasRole(const Principal& principal, absl::string_view role) {
  return std::find(principal.roles().begin(), principal.roles().end(), role) !=
         principal.roles().end();
}

bool IsServiceIdentity(const Principal& principal) {
  return HasRole(principal, kSessionServiceRole) || HasRole(principal, kNotificationServiceRole);
}

bool ActsInOrganization(const Principal& principal, absl::string_view organization) {
  if (organization.empty()) return false;
  if (principal.organization() == "*") return IsServiceIdentity(principal);
  return principal.organization() == organization;
}

bool HoldsTeamRole(const casework::v1::Team& team, absl::string_view subject,
                   casework::v1::TeamRole role) {
  for (const casework::v1::TeamMember& member : team.members()) {
    if (member.subject() != subject) continue;
    return std::find(member.roles().begin(), member.roles().end(), role) != member.roles().end();
  }
  return false;
}

TeamStanding StandingIn(const Principal& principal, const casework::v1::Team& team) {
  TeamStanding standing;
  const std::string team_id = team.name().substr(team.name().rfind('/') + 1);
  const bool listed = std::find(principal.teams().begin(), principal.teams().end(), team_id) !=
                      principal.teams().end();
  if (!listed) return standing;
  for (const casework::v1::TeamMember& member : team.members()) {
    if (member.subject() != principal.subject()) continue;
    standing.member = true;
    for (int role : member.roles()) {
      if (role == casework::v1::TEAM_ROLE_SUPERVISOR) standing.supervisor = true;
      if (role == casework::v1::TEAM_ROLE_CASEWORKER) standing.caseworker = true;
    }
  }
  return standing;
}

bool InAudience(const Principal& principal, unsigned audience) {
  return ((audience & kAdmins) && HasRole(principal, kAdminRole)) ||
         ((audience & kAuditors) && HasRole(principal, kAuditorRole)) ||
         ((audience & kSessionService) && HasRole(principal, kSessionServiceRole)) ||
         ((audience & kNotificationService) && HasRole(principal, kNotificationServiceRole));
}

bool MayReadCase(const Principal& principal, const TeamStanding& standing,
                 const casework::v1::Case& case_record) {
  if (standing.supervisor) return true;
  return standing.caseworker && case_record.caseworker() == principal.subject();
}

bool MayReadSessionRecord(const Principal& principal, const TeamStanding& standing,
                          const casework::v1::SessionRecord& record) {
  if (HasRole(principal, kSessionServiceRole)) return true;
  if (!standing.member) return false;
  const std::string& me = principal.subject();
  if (record.facilitator() == me || record.case_owner() == me) return true;
  if (std::find(record.participants().begin(), record.participants().end(), me) !=
      record.participants().end()) {
    return true;
  }
  // Beyond its participants the record goes only as far as it was released (the protocol's rule,
  // or every participant's consent): then to the team's supervisor.
  return standing.supervisor && record.release_outcome() == casework::v1::RELEASE_OUTCOME_RELEASED;
}

void RedactCaseLoadReview(const TeamStanding& standing, casework::v1::CaseLoadReview& review) {
  if (standing.supervisor) return;
  for (casework::v1::CaseworkerLoad& load : *review.mutable_caseworker_loads()) {
    load.clear_caseworker();
  }
}

void RedactActionItem(const Principal& principal, const TeamStanding& standing,
                      absl::string_view case_caseworker, casework::v1::ActionItem& item) {
  if (!item.has_case_() || standing.supervisor) return;
  if (!case_caseworker.empty() && case_caseworker == principal.subject()) return;
  item.clear_case_();
}

absl::Status NotFound(absl::string_view requested_name) {
  return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
               absl::StrCat("\"", requested_name, "\" was not found"),
               {{"resource", std::string(requested_name)}});
}

absl::Status RoleRequired(absl::string_view role, absl::string_view action) {
  return Error(absl::StatusCode::kPermissionDenied, "ROLE_REQUIRED",
               absl::StrCat(action, " needs the ", role, " role"),
               {{"required_role", std::string(role)}});
}

absl::Status ServiceIdentityRequired() {
  return Error(absl::StatusCode::kPermissionDenied, "SERVICE_IDENTITY_REQUIRED",
               "only the session service's identity writes session records");
}

}  // namespace casework::records
