// The rules AddContribution enforces beyond who may speak: the shape of the entry, the
// identifying-information guard, references, question checks, limits, the prior-contribution
// order and turn-taking. Each returns the refusal its rule prescribes, or OK.
#ifndef LIBS_SESSION_ENGINE_CONTRIBUTION_RULES_H_
#define LIBS_SESSION_ENGINE_CONTRIBUTION_RULES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "casework/v1/contribution.pb.h"
#include "casework/v1/protocol.pb.h"
#include "casework/v1/session_command.pb.h"

namespace casework::session {

// Everything the rules need to know about the entry being added.
struct ContributionDraft {
  const casework::v1::SessionSnapshot& state;
  const casework::v1::Contribution& contribution;  // as requested
  const std::string& author;                       // the speaker (caller or on_behalf_of)
  const casework::v1::PhaseTemplate* phase;        // running phase; nullptr when none
  const casework::v1::PhasePermission* grant;      // permission granting the kind; may be null
};

// INVALID_ARGUMENT FIELD_INVALID: kind, text length, details matching the kind, action item owner
// and due time, reference list.
absl::Status ValidateContributionShape(const casework::v1::Contribution& contribution,
                                       absl::Time now);

// The identifying-information guard over every text of the entry: INVALID_ARGUMENT
// IDENTIFYING_INFORMATION in BLOCK mode, a flag in WARN mode.
absl::Status GuardContribution(const ContributionDraft& draft,
                               std::vector<casework::v1::ContributionFlag>* flags);

// INVALID_ARGUMENT REFERENCE_REQUIRED / REFERENCE_INVALID per the grant's ReferenceRule.
absl::Status CheckReferences(const ContributionDraft& draft);

// The phase's question checks on question kinds: INVALID_ARGUMENT ADVICE_AS_QUESTION /
// CLOSED_QUESTION in BLOCK mode, flags in WARN mode.
absl::Status CheckQuestion(const ContributionDraft& draft,
                           std::vector<casework::v1::ContributionFlag>* flags);

// FAILED_PRECONDITION PRIOR_CONTRIBUTION_REQUIRED, NOT_YOUR_TURN and CONTRIBUTION_LIMIT_REACHED.
absl::Status CheckOrderTurnAndLimits(const ContributionDraft& draft);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_CONTRIBUTION_RULES_H_
