// The helping process of a case (DOMAIN.md, "The helping process"): stage moves with their entry
// criteria, closing, stagnation, and the anonymous case-load review computed from a team's open
// cases and open action items. Pure functions over protobuf messages.
#ifndef SERVICES_RECORDS_DOMAIN_CASE_RULES_H_
#define SERVICES_RECORDS_DOMAIN_CASE_RULES_H_

#include <array>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casework/v1/action_item.pb.h"
#include "casework/v1/case.pb.h"
#include "casework/v1/case_load_review.pb.h"
#include "casework/v1/records_service.pb.h"
#include "casework/v1/team.pb.h"

namespace casework::records {

// How long an open case may stay in each stage (index = stage number 1–6) before it stagnates,
// where the team sets no threshold of its own.
struct StagnationDefaults {
  std::array<absl::Duration, 7> by_stage = {absl::ZeroDuration(),     absl::Hours(24 * 7 * 6),
                                            absl::Hours(24 * 7 * 8),  absl::Hours(24 * 7 * 8),
                                            absl::Hours(24 * 7 * 16), absl::Hours(24 * 7 * 16),
                                            absl::Hours(24 * 7 * 8)};
};

absl::Duration StagnationThreshold(const casework::v1::Team& team, casework::v1::CaseStage stage,
                                   const StagnationDefaults& defaults);
bool IsStagnating(const casework::v1::Case& case_record, const casework::v1::Team& team,
                  absl::Time now, const StagnationDefaults& defaults);

// What the entry criteria of stages 4 and 5 look at besides the case itself.
struct CasePlanFacts {
  bool has_agreed_active_goal = false;       // stage 4
  bool has_indicator_with_baseline = false;  // stage 5
};

// Validates (REASON_REQUIRED for a backward move without reason) before the state checks
// (CASE_CLOSED, CASE_STAGE_LIMIT, CASE_STAGE_ENTRY_CRITERIA), then moves the case one stage and
// appends the dated history entry.
absl::Status CheckStageMoveArguments(casework::v1::StageDirection direction,
                                     absl::string_view reason);
absl::Status MoveStage(casework::v1::Case& case_record, casework::v1::StageDirection direction,
                       absl::string_view note, absl::string_view reason, const CasePlanFacts& facts,
                       absl::string_view actor, absl::Time now);

// REASON_REQUIRED outside stage 6 without a reason; CASE_CLOSED when already closed.
absl::Status CheckCloseArguments(const casework::v1::Case& case_record, absl::string_view reason);
absl::Status Close(casework::v1::Case& case_record, absl::string_view reason, absl::Time now);

// CASE_CLOSED for a closed case (closed cases are read-only).
absl::Status CheckOpen(const casework::v1::Case& case_record);

// The anonymous review: counts only; caseworker ids are filled in, and callers clear them for
// everyone but the team's supervisor (RedactCaseLoadReview).
casework::v1::CaseLoadReview ComputeCaseLoadReview(
    const casework::v1::Team& team, const std::vector<casework::v1::Case>& open_cases,
    const std::vector<casework::v1::ActionItem>& open_items, absl::Time now,
    const StagnationDefaults& defaults);

bool IsOverdue(const casework::v1::ActionItem& item, absl::Time now);

}  // namespace casework::records

#endif  // SERVICES_RECORDS_DOMAIN_CASE_RULES_H_
