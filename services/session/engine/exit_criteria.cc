// Exit criteria: counts of contributions, hypotheses answered, roles assigned, everyone heard.
#include "services/session/engine/exit_criteria.h"

#include "services/session/engine/session_queries.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

bool CountHolds(const v1::Session& session, const v1::ContributionCountCriterion& criterion,
                int phase_index) {
  int count = 0;
  for (const v1::Contribution& contribution : session.contributions()) {
    if (contribution.kind() != criterion.kind()) continue;
    if (!criterion.whole_session() && contribution.phase_index() != phase_index) continue;
    if (criterion.author_role() != v1::SESSION_ROLE_UNSPECIFIED &&
        !HoldsRole(session, contribution.author(), criterion.author_role())) {
      continue;
    }
    ++count;
  }
  return count >= criterion.min_count() &&
         (criterion.max_count() <= 0 || count <= criterion.max_count());
}

bool AllHypothesesAnswered(const v1::Session& session) {
  for (const v1::Contribution& contribution : session.contributions()) {
    if (contribution.kind() == v1::CONTRIBUTION_KIND_HYPOTHESIS &&
        contribution.hypothesis_feedback().response() == v1::HYPOTHESIS_RESPONSE_UNSPECIFIED) {
      return false;
    }
  }
  return true;
}

bool RolesAssigned(const v1::Session& session, const v1::RolesAssignedCriterion& criterion) {
  for (const auto role : criterion.roles()) {
    if (!RoleAssigned(session, static_cast<v1::SessionRole>(role))) return false;
  }
  return true;
}

bool EveryoneContributed(const v1::Session& session,
                         const v1::EveryParticipantContributedCriterion& criterion,
                         int phase_index) {
  for (const v1::Participant& participant : session.participants()) {
    if (!HoldsRole(session, participant.subject(), criterion.role())) continue;
    bool found = false;
    for (const v1::Contribution& contribution : session.contributions()) {
      if (contribution.author() == participant.subject() &&
          contribution.kind() == criterion.kind() && contribution.phase_index() == phase_index) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

bool Holds(const v1::Session& session, const v1::ExitCriterion& criterion, int phase_index) {
  switch (criterion.condition_case()) {
    case v1::ExitCriterion::kContributionCount:
      return CountHolds(session, criterion.contribution_count(), phase_index);
    case v1::ExitCriterion::kAllHypothesesAnswered:
      return AllHypothesesAnswered(session);
    case v1::ExitCriterion::kRolesAssigned:
      return RolesAssigned(session, criterion.roles_assigned());
    case v1::ExitCriterion::kEveryParticipantContributed:
      return EveryoneContributed(session, criterion.every_participant_contributed(), phase_index);
    case v1::ExitCriterion::CONDITION_NOT_SET:
      return true;
  }
  return true;
}

}  // namespace

std::vector<CriterionResult> EvaluateExitCriteria(const v1::Session& session,
                                                  const v1::PhaseTemplate& phase, int phase_index) {
  std::vector<CriterionResult> results;
  results.reserve(phase.exit_criteria_size());
  for (const v1::ExitCriterion& criterion : phase.exit_criteria()) {
    results.push_back({&criterion, Holds(session, criterion, phase_index)});
  }
  return results;
}

}  // namespace casework::session
