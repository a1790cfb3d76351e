// Evaluation of a phase's exit criteria (PhaseTemplate.exit_criteria) against the session: the
// conditions AdvancePhase checks before leaving the phase, and the status the facilitator sees in
// Session.current_phase.exit_criteria.
#ifndef LIBS_SESSION_ENGINE_EXIT_CRITERIA_H_
#define LIBS_SESSION_ENGINE_EXIT_CRITERIA_H_

#include <vector>

#include "casework/v1/protocol.pb.h"
#include "casework/v1/session.pb.h"
#include "casework/v1/session_command.pb.h"

namespace casework::session {

struct CriterionResult {
  const casework::v1::ExitCriterion* criterion;
  bool met;
};

// Each criterion of `phase` (the session's phase number `phase_index`, 1-based) and whether it
// holds now.
std::vector<CriterionResult> EvaluateExitCriteria(const casework::v1::SessionSnapshot& state,
                                                  const casework::v1::PhaseTemplate& phase,
                                                  int phase_index);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_EXIT_CRITERIA_H_
