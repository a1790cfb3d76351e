// Read-only questions about a session snapshot that the decisions, the fold, the projection and
// the outcome builder share: who holds which role, which phase runs, which contributions exist.
#ifndef LIBS_SESSION_ENGINE_SESSION_QUERIES_H_
#define LIBS_SESSION_ENGINE_SESSION_QUERIES_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "casework/v1/contribution.pb.h"
#include "casework/v1/protocol.pb.h"
#include "casework/v1/session.pb.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"

namespace casework::session {

// The reserved subject of the service's own timer and outbox commands.
inline constexpr absl::string_view kSystemSubject = "system";

const casework::v1::Participant* FindParticipant(const casework::v1::Session& session,
                                                 absl::string_view subject);

// FACILITATOR and/or CASE_OWNER when `subject` holds them, otherwise MEMBER. Only meaningful for
// participants.
std::vector<casework::v1::SessionRole> RolesOf(const casework::v1::Session& session,
                                               absl::string_view subject);
bool HoldsRole(const casework::v1::Session& session, absl::string_view subject,
               casework::v1::SessionRole role);

// Whether `role` has a holder (MEMBER: at least one participant holds neither other role).
bool RoleAssigned(const casework::v1::Session& session, casework::v1::SessionRole role);

// Participants holding neither the facilitator nor the case-owner role.
int CountMembers(const casework::v1::Session& session);

// Whether the protocol gives the case owner anything to do (Balint, intervision, a case
// discussion segment); the team meeting has no case owner.
bool UsesCaseOwner(const casework::v1::ProtocolTemplate& protocol);

// Whether the participant acknowledged every agreement of the protocol.
bool AgreementsComplete(const casework::v1::Participant& participant,
                        const casework::v1::ProtocolTemplate& protocol);

// The running (or paused) phase's template; nullptr when no phase runs.
const casework::v1::PhaseTemplate* CurrentPhaseTemplate(const casework::v1::SessionSnapshot& state);

const casework::v1::Contribution* FindContribution(const casework::v1::Session& session,
                                                   absl::string_view name);
// The 0-based position of the contribution named `name`, or -1.
int FindContributionIndex(const casework::v1::Session& session, absl::string_view name);

// How many contributions of phase `phase_index` (1-based) satisfy `match(kind, author)`, from the
// snapshot's tallies: the cost grows with the authors and kinds of the session, not with its
// contributions.
int CountContributions(
    const casework::v1::SessionSnapshot& state, int phase_index,
    const std::function<bool(casework::v1::ContributionKind, const std::string&)>& match);

// Counts one more contribution in the tallies (Apply of ContributionAdded).
void CountContribution(const casework::v1::Contribution& contribution,
                       casework::v1::SessionSnapshot* state);
// Recomputes the tallies from the contributions (a snapshot stored without them).
void RebuildTallies(casework::v1::SessionSnapshot* state);

// Whether `viewer` may read the content of `contribution` now: public and revealed entries to
// everyone, sealed ones to their author only.
bool ContentVisibleTo(const casework::v1::Contribution& contribution, absl::string_view viewer);

// The permissions of `phase` that apply to any of `roles`.
std::vector<const casework::v1::PhasePermission*> PermissionsFor(
    const casework::v1::PhaseTemplate& phase, const std::vector<casework::v1::SessionRole>& roles);

bool ContainsKind(const casework::v1::PhasePermission& permission,
                  casework::v1::ContributionKind kind);

// The protocol's record release rule; unspecified reads as RECORD_RELEASE_BY_CONSENT.
casework::v1::RecordRelease EffectiveRecordRelease(const casework::v1::ProtocolTemplate& protocol);

// The participant's latest vote in the release ballot (UNSPECIFIED when none).
casework::v1::ReleaseChoice ReleaseChoiceOf(const casework::v1::Session& session,
                                            absl::string_view participant);

// Whether `event` concerns the organisation's feed (WatchOrganization derives notices from it):
// a session started or ended, a phase's time warning or overrun. The session log's wake-up says
// so, and the notification service reads a session only for those.
bool ConcernsOrganisation(const casework::v1::SessionEvent& event);

// The role name without its prefix, e.g. "CASE_OWNER"; used in error metadata.
std::string RoleName(casework::v1::SessionRole role);
std::string KindName(casework::v1::ContributionKind kind);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_SESSION_QUERIES_H_
