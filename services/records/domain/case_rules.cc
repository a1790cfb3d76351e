// Stage moves, closing, stagnation and the case-load review.
#include "services/records/domain/case_rules.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "libs/status/errors.h"
#include "services/records/domain/proto_time.h"

namespace casework::records {

using casework::v1::Case;
using casework::v1::CaseStage;

absl::Duration StagnationThreshold(const casework::v1::Team& team, CaseStage stage,
                                   const StagnationDefaults& defaults) {
  for (const casework::v1::StagnationThreshold& threshold : team.stagnation_thresholds()) {
    if (threshold.stage() == stage) return FromProtoDuration(threshold.threshold());
  }
  const int index = static_cast<int>(stage);
  return index >= 1 && index <= 6 ? defaults.by_stage[index] : absl::InfiniteDuration();
}

bool IsStagnating(const Case& case_record, const casework::v1::Team& team, absl::Time now,
                  const StagnationDefaults& defaults) {
  if (case_record.status() != casework::v1::CASE_STATUS_OPEN) return false;
  const absl::Duration in_stage = now - FromProtoTime(case_record.stage_enter_time());
  return in_stage > StagnationThreshold(team, case_record.stage(), defaults);
}

absl::Status CheckOpen(const Case& case_record) {
  if (case_record.status() == casework::v1::CASE_STATUS_CLOSED) {
    return Error(absl::StatusCode::kFailedPrecondition, "CASE_CLOSED",
                 "the case is closed; closed cases are read-only");
  }
  return absl::OkStatus();
}

absl::Status CheckStageMoveArguments(casework::v1::StageDirection direction,
                                     absl::string_view reason) {
  if (direction == casework::v1::STAGE_DIRECTION_UNSPECIFIED) {
    return InvalidArgument("FIELD_INVALID", {{"direction", "is required: FORWARD or BACK"}});
  }
  if (direction == casework::v1::STAGE_DIRECTION_BACK && reason.empty()) {
    return Error(absl::StatusCode::kInvalidArgument, "REASON_REQUIRED",
                 "moving a case back a stage needs a reason", {{"field", "reason"}});
  }
  return absl::OkStatus();
}

absl::Status MoveStage(Case& case_record, casework::v1::StageDirection direction,
                       absl::string_view note, absl::string_view reason, const CasePlanFacts& facts,
                       absl::string_view actor, absl::Time now) {
  if (absl::Status open = CheckOpen(case_record); !open.ok()) return open;
  const int from = static_cast<int>(case_record.stage());
  const bool forward = direction == casework::v1::STAGE_DIRECTION_FORWARD;
  const int to = forward ? from + 1 : from - 1;
  if (to < 1 || to > 6) {
    return Error(absl::StatusCode::kFailedPrecondition, "CASE_STAGE_LIMIT",
                 forward ? "the case is in the last stage; close it instead"
                         : "the case is in the first stage",
                 {{"stage", absl::StrCat(from)}});
  }
  const char* missing = nullptr;
  if (forward && to == 4 && !facts.has_agreed_active_goal) missing = "AGREED_GOAL";
  if (forward && to == 5 && !facts.has_indicator_with_baseline) missing = "BASELINE";
  if (forward && to == 6 && case_record.handover_note().empty()) missing = "HANDOVER_NOTE";
  if (missing != nullptr) {
    return Error(absl::StatusCode::kFailedPrecondition, "CASE_STAGE_ENTRY_CRITERIA",
                 absl::StrCat("stage ", to, " cannot be entered yet: ", missing, " is missing"),
                 {{"stage", absl::StrCat(to)}, {"missing", missing}});
  }
  casework::v1::StageTransition* transition = case_record.add_stage_history();
  transition->set_from_stage(case_record.stage());
  transition->set_to_stage(static_cast<CaseStage>(to));
  *transition->mutable_transition_time() = ToProtoTime(now);
  transition->set_note(std::string(note));
  if (!forward) transition->set_reason(std::string(reason));
  transition->set_actor(std::string(actor));
  *transition->mutable_time_in_previous_stage() =
      ToProtoDuration(now - FromProtoTime(case_record.stage_enter_time()));
  case_record.set_stage(static_cast<CaseStage>(to));
  *case_record.mutable_stage_enter_time() = ToProtoTime(now);
  return absl::OkStatus();
}

absl::Status CheckCloseArguments(const Case& case_record, absl::string_view reason) {
  if (case_record.stage() != casework::v1::CASE_STAGE_WITHDRAWAL && reason.empty()) {
    return Error(absl::StatusCode::kInvalidArgument, "REASON_REQUIRED",
                 "closing a case outside stage 6 needs a close_reason",
                 {{"field", "close_reason"}});
  }
  return absl::OkStatus();
}

absl::Status Close(Case& case_record, absl::string_view reason, absl::Time now) {
  if (absl::Status open = CheckOpen(case_record); !open.ok()) return open;
  case_record.set_status(casework::v1::CASE_STATUS_CLOSED);
  case_record.set_close_reason(std::string(reason));
  *case_record.mutable_close_time() = ToProtoTime(now);
  return absl::OkStatus();
}

bool IsOverdue(const casework::v1::ActionItem& item, absl::Time now) {
  return item.state() == casework::v1::ACTION_ITEM_STATE_OPEN && item.has_due_time() &&
         FromProtoTime(item.due_time()) < now;
}

namespace {

// The review's per-risk, per-stage, per-flag and per-owner-role entries, all at zero.
casework::v1::CaseLoadReview EmptyReview(const casework::v1::Team& team, absl::Time now,
                                         const StagnationDefaults& defaults) {
  casework::v1::CaseLoadReview review;
  review.set_name(absl::StrCat(team.name(), "/caseLoadReview"));
  *review.mutable_compute_time() = ToProtoTime(now);
  for (int risk = 1; risk <= 3; ++risk) {
    review.add_by_risk_level()->set_risk_level(static_cast<casework::v1::RiskLevel>(risk));
  }
  for (int stage = 1; stage <= 6; ++stage) {
    casework::v1::CaseStageCount* count = review.add_by_stage();
    count->set_stage(static_cast<CaseStage>(stage));
    *count->mutable_stagnation_threshold() =
        ToProtoDuration(StagnationThreshold(team, static_cast<CaseStage>(stage), defaults));
  }
  for (int flag = 1; flag <= 5; ++flag) {
    review.add_by_complexity_flag()->set_flag(static_cast<casework::v1::ComplexityFlag>(flag));
  }
  for (int role = 1; role <= 2; ++role) {
    review.add_overdue_action_items()->set_owner_role(
        static_cast<casework::v1::ActionItemOwnerRole>(role));
  }
  return review;
}

void CountCase(const Case& c, bool stagnating, casework::v1::CaseLoadReview& review) {
  const bool complex = c.complexity_flags_size() > 0;
  const bool high = c.risk_level() == casework::v1::RISK_LEVEL_HIGH;
  review.set_open_cases(review.open_cases() + 1);
  review.set_high_risk_cases(review.high_risk_cases() + (high ? 1 : 0));
  review.set_complex_cases(review.complex_cases() + (complex ? 1 : 0));
  review.set_stagnating_cases(review.stagnating_cases() + (stagnating ? 1 : 0));
  if (c.risk_level() >= 1 && c.risk_level() <= 3) {
    auto* by_risk = review.mutable_by_risk_level(c.risk_level() - 1);
    by_risk->set_open_cases(by_risk->open_cases() + 1);
    by_risk->set_stagnating_cases(by_risk->stagnating_cases() + (stagnating ? 1 : 0));
    by_risk->set_complex_cases(by_risk->complex_cases() + (complex ? 1 : 0));
  }
  if (c.stage() >= 1 && c.stage() <= 6) {
    auto* by_stage = review.mutable_by_stage(c.stage() - 1);
    by_stage->set_open_cases(by_stage->open_cases() + 1);
    by_stage->set_stagnating_cases(by_stage->stagnating_cases() + (stagnating ? 1 : 0));
  }
  for (int flag : c.complexity_flags()) {
    if (flag < 1 || flag > 5) continue;
    auto* by_flag = review.mutable_by_complexity_flag(flag - 1);
    by_flag->set_open_cases(by_flag->open_cases() + 1);
  }
}

// One entry per caseworker of the team (zeros included) and per caseworker with open cases,
// most loaded first.
void AddCaseworkerLoads(const casework::v1::Team& team, const std::vector<Case>& open_cases,
                        const std::vector<bool>& stagnating, casework::v1::CaseLoadReview& review) {
  std::map<std::string, casework::v1::CaseworkerLoad> loads;
  for (const casework::v1::TeamMember& member : team.members()) {
    for (int role : member.roles()) {
      if (role == casework::v1::TEAM_ROLE_CASEWORKER) {
        loads[member.subject()].set_caseworker(member.subject());
      }
    }
  }
  for (size_t i = 0; i < open_cases.size(); ++i) {
    const Case& c = open_cases[i];
    casework::v1::CaseworkerLoad& load = loads[c.caseworker()];
    load.set_caseworker(c.caseworker());
    load.set_open_cases(load.open_cases() + 1);
    load.set_high_risk_cases(load.high_risk_cases() +
                             (c.risk_level() == casework::v1::RISK_LEVEL_HIGH ? 1 : 0));
    load.set_stagnating_cases(load.stagnating_cases() + (stagnating[i] ? 1 : 0));
  }
  std::vector<casework::v1::CaseworkerLoad> sorted;
  for (auto& [subject, load] : loads) sorted.push_back(std::move(load));
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.open_cases() > b.open_cases(); });
  for (auto& load : sorted) *review.add_caseworker_loads() = std::move(load);
}

}  // namespace

casework::v1::CaseLoadReview ComputeCaseLoadReview(
    const casework::v1::Team& team, const std::vector<Case>& open_cases,
    const std::vector<casework::v1::ActionItem>& open_items, absl::Time now,
    const StagnationDefaults& defaults) {
  casework::v1::CaseLoadReview review = EmptyReview(team, now, defaults);
  std::vector<Case> open;
  std::vector<bool> stagnating;
  for (const Case& c : open_cases) {
    if (c.status() != casework::v1::CASE_STATUS_OPEN) continue;
    open.push_back(c);
    stagnating.push_back(IsStagnating(c, team, now, defaults));
    CountCase(c, stagnating.back(), review);
  }
  AddCaseworkerLoads(team, open, stagnating, review);
  for (const casework::v1::ActionItem& item : open_items) {
    if (!IsOverdue(item, now) || item.owner_role() < 1 || item.owner_role() > 2) continue;
    auto* overdue = review.mutable_overdue_action_items(item.owner_role() - 1);
    overdue->set_overdue_action_items(overdue->overdue_action_items() + 1);
  }
  return review;
}

}  // namespace casework::records
