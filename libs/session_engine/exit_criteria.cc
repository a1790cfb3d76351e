// Exit criteria: counts of contributions, hypotheses answered, roles assigned, everyone heard —
// from the snapshot's tallies and summaries, never by visiting every contribution.
#include "libs/session_engine/exit_criteria.h"

#include "libs/session_engine/session_queries.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

bool CountHolds(const v1::SessionSnapshot& state, const v1::ContributionCountCriterion& criterion,
                int phase_index) {
  const v1::Session& session = state.session();
  auto counted = [&](v1::ContributionKind kind, const std::string& author) {
    return kind == criterion.kind() && (criterion.author_role() == v1::SESSION_ROLE_UNSPECIFIED ||
                                        HoldsRole(session, author, criterion.author_role()));
  };
  int count = 0;
  if (criterion.whole_session()) {
    for (int phase = 1; phase <= session.phases_size(); ++phase) {
      count += CountContributions(state, phase, counted);
    }
  } else {
    count = CountContributions(state, phase_index, counted);
  }
  return count >= criterion.min_count() &&
         (criterion.max_count() <= 0 || count <= criterion.max_count());
}

// Kept by Apply (Session.hypotheses), so no contribution is visited.
bool AllHypothesesAnswered(const v1::Session& session) {
  return session.hypotheses().answered() >= session.hypotheses().total();
}

bool RolesAssigned(const v1::Session& session, const v1::RolesAssignedCriterion& criterion) {
  for (const auto role : criterion.roles()) {
    if (!RoleAssigned(session, static_cast<v1::SessionRole>(role))) return false;
  }
  return true;
}

bool EveryoneContributed(const v1::SessionSnapshot& state,
                         const v1::EveryParticipantContributedCriterion& criterion,
                         int phase_index) {
  const v1::Session& session = state.session();
  for (const v1::Participant& participant : session.participants()) {
    if (!HoldsRole(session, participant.subject(), criterion.role())) continue;
    const int made = CountContributions(
        state, phase_index, [&](v1::ContributionKind kind, const std::string& author) {
          return kind == criterion.kind() && author == participant.subject();
        });
    if (made == 0) return false;
  }
  return true;
}

bool Holds(const v1::SessionSnapshot& state, const v1::ExitCriterion& criterion, int phase_index) {
  switch (criterion.condition_case()) {
    case v1::ExitCriterion::kContributionCount:
      return CountHolds(state, criterion.contribution_count(), phase_index);
    case v1::ExitCriterion::kAllHypothesesAnswered:
      return AllHypothesesAnswered(state.session());
    case v1::ExitCriterion::kRolesAssigned:
      return RolesAssigned(state.session(), criterion.roles_assigned());
    case v1::ExitCriterion::kEveryParticipantContributed:
      return EveryoneContributed(state, criterion.every_participant_contributed(), phase_index);
    case v1::ExitCriterion::CONDITION_NOT_SET:
      return true;
  }
  return true;
}

}  // namespace

std::vector<CriterionResult> EvaluateExitCriteria(const v1::SessionSnapshot& state,
                                                  const v1::PhaseTemplate& phase, int phase_index) {
  std::vector<CriterionResult> results;
  results.reserve(phase.exit_criteria_size());
  for (const v1::ExitCriterion& criterion : phase.exit_criteria()) {
    results.push_back({&criterion, Holds(state, criterion, phase_index)});
  }
  return results;
}

}  // namespace casework::session
