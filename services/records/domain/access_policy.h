// Need-to-know: who may see and change what in the records service (docs/ACCESS.md is the
// matrix this file implements). Pure functions of the caller's Principal and the stored
// resources. Anything a caller may not see answers NOT_FOUND exactly like a missing resource;
// PERMISSION_DENIED only where the caller can already see the resource.
#ifndef SERVICES_RECORDS_DOMAIN_ACCESS_POLICY_H_
#define SERVICES_RECORDS_DOMAIN_ACCESS_POLICY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "casework/v1/action_item.pb.h"
#include "casework/v1/case.pb.h"
#include "casework/v1/case_load_review.pb.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session_record.pb.h"
#include "casework/v1/team.pb.h"

namespace casework::records {

inline constexpr absl::string_view kAdminRole = "admin";
inline constexpr absl::string_view kAuditorRole = "auditor";
inline constexpr absl::string_view kSessionServiceRole = "session-service";
inline constexpr absl::string_view kNotificationServiceRole = "notification-service";

bool HasRole(const casework::v1::Principal& principal, absl::string_view role);
bool IsServiceIdentity(const casework::v1::Principal& principal);

// Whether the caller acts in `organization`: its own, or any for a service identity whose token
// says org "*".
bool ActsInOrganization(const casework::v1::Principal& principal, absl::string_view organization);

// The caller's place in one team: listed in the JWT `teams` claim and on the member list, with
// the team roles of that entry.
struct TeamStanding {
  bool member = false;
  bool supervisor = false;
  bool caseworker = false;
};
TeamStanding StandingIn(const casework::v1::Principal& principal, const casework::v1::Team& team);

// Whether `subject` is a member of `team` holding `role`.
bool HoldsTeamRole(const casework::v1::Team& team, absl::string_view subject,
                   casework::v1::TeamRole role);

// Organisation-wide readers of a team besides its members, per RPC.
enum TeamAudience : unsigned {
  kMembersOnly = 0,
  kAdmins = 1u << 0,
  kAuditors = 1u << 1,
  kSessionService = 1u << 2,
  kNotificationService = 1u << 3,
};
bool InAudience(const casework::v1::Principal& principal, unsigned audience);

// Case records: their caseworker and the team's supervisor.
bool MayReadCase(const casework::v1::Principal& principal, const TeamStanding& standing,
                 const casework::v1::Case& case_record);

// Session records: the session's participants (facilitator and case owner included) and the
// session service; the team's supervisor only when the record was released (release_outcome
// RELEASED: the protocol's rule or every participant's consent).
bool MayReadSessionRecord(const casework::v1::Principal& principal, const TeamStanding& standing,
                          const casework::v1::SessionRecord& record);

// Field visibility (docs/ACCESS.md, "Fields"): clears what the viewer may not see.
// Caseworker ids of the case-load distribution: the team's supervisor only.
void RedactCaseLoadReview(const TeamStanding& standing, casework::v1::CaseLoadReview& review);
// The case an action item came from: the team's supervisor and the case's caseworker only
// (`case_caseworker` is the caseworker of that case, empty when unknown).
void RedactActionItem(const casework::v1::Principal& principal, const TeamStanding& standing,
                      absl::string_view case_caseworker, casework::v1::ActionItem& item);

// The uniform errors of the policy. NOT_FOUND names the resource as the caller requested it, so a
// missing resource, another organisation's and one outside the caller's need to know answer
// byte-identically.
absl::Status NotFound(absl::string_view requested_name);
absl::Status RoleRequired(absl::string_view role, absl::string_view action);
absl::Status ServiceIdentityRequired();

}  // namespace casework::records

#endif  // SERVICES_RECORDS_DOMAIN_ACCESS_POLICY_H_
