// The case plan: goals agreed with the client (or decided by the professionals) and benefit
// indicators with their baseline and dated measurements. Visible to whoever may read the case.
#include "libs/status/errors.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/operations.h"

namespace casework::records::ops {
namespace {

using casework::v1::BenefitIndicator;
using casework::v1::Goal;

void CheckGoal(const Goal& goal, Violations& violations) {
  violations.CheckText("goal.description", goal.description(), 1, 2000);
  violations.CheckText("goal.client_words", goal.client_words(), 0, 2000);
  violations.CheckText("goal.review_note", goal.review_note(), 0, 2000);
  if (goal.agreed_with_client() && !goal.has_agree_time()) {
    violations.Add("goal.agree_time", "is required when the goal was agreed with the client");
  }
  if (!casework::v1::GoalStatus_IsValid(goal.status())) violations.Add("goal.status", "invalid");
}

void CheckMeasurement(const casework::v1::Measurement& measurement, absl::string_view field,
                      absl::Time now, Violations& violations) {
  if (!measurement.has_measure_time()) {
    violations.Add(absl::StrCat(field, ".measure_time"), "is required");
  } else if (FromProtoTime(measurement.measure_time()) > now + absl::Minutes(5)) {
    violations.Add(absl::StrCat(field, ".measure_time"), "lies in the future");
  }
  violations.CheckText(absl::StrCat(field, ".note"), measurement.note(), 0, 1000);
}

// The case of a goal or indicator name, loaded with need-to-know.
absl::StatusOr<CaseView> LoadParentCase(OpContext& ctx, const ChildName& child,
                                        absl::string_view requested) {
  ChildName case_name{child.team, child.case_id, child.case_id, child.CaseFull()};
  return LoadCase(ctx, case_name, requested);
}

}  // namespace

absl::StatusOr<Goal> CreateGoal(OpContext& ctx, const casework::v1::CreateGoalRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName case_name, ParseCaseName(request.parent(), "parent"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadCase(ctx, case_name, request.parent()));
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.goal_id().empty() && !IsValidId(request.goal_id())) {
    violations.Add("goal_id", "must be 1–63 lower-case letters, digits and dashes");
  }
  CheckGoal(request.goal(), violations);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  CASEWORK_RETURN_IF_ERROR(CheckOpen(view.record));
  Goal goal = request.goal();
  goal.set_name(absl::StrCat(view.record.name(), "/goals/",
                             request.goal_id().empty() ? NewId() : request.goal_id()));
  if (goal.status() == casework::v1::GOAL_STATUS_UNSPECIFIED) {
    goal.set_status(casework::v1::GOAL_STATUS_ACTIVE);
  }
  StampCreated(goal, ctx.now);
  CASEWORK_RETURN_IF_ERROR(InsertNew(ctx, goal, goal.name()));
  return goal;
}

absl::StatusOr<Goal> GetGoal(OpContext& ctx, const casework::v1::GetGoalRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName name, ParseCaseChild(request.name(), "goals", "name"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadParentCase(ctx, name, request.name()));
  Goal goal;
  CASEWORK_ASSIGN_OR_RETURN(bool found, ctx.reader.Get(request.name(), goal));
  if (!found) return NotFound(request.name());
  return goal;
}

absl::StatusOr<casework::v1::ListGoalsResponse> ListGoals(
    OpContext& ctx, const casework::v1::ListGoalsRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName case_name, ParseCaseName(request.parent(), "parent"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadCase(ctx, case_name, request.parent()));
  ListQuery query{ResourceKind::kGoal, case_name.team.organization, {view.record.name()}};
  query.sort = SortField::kCreateTime;
  CASEWORK_ASSIGN_OR_RETURN(
      Page<Goal> page,
      ListPage<Goal>(ctx, query, request.page_size(), request.page_token(),
                     PageBinding(ctx, request.parent(), "", ""), [](Goal&) { return true; }));
  casework::v1::ListGoalsResponse response;
  for (Goal& goal : page.items) *response.add_goals() = std::move(goal);
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<Goal> UpdateGoal(OpContext& ctx, const casework::v1::UpdateGoalRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName name,
                            ParseCaseChild(request.goal().name(), "goals", "goal.name"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadParentCase(ctx, name, request.goal().name()));
  Goal stored;
  CASEWORK_ASSIGN_OR_RETURN(bool found, ctx.reader.Get(request.goal().name(), stored));
  if (!found) return NotFound(request.goal().name());
  CASEWORK_ASSIGN_OR_RETURN(CheckedMask mask,
                            CheckUpdateMask(request.update_mask(), *Goal::descriptor(),
                                            {"description", "client_words", "agreed_with_client",
                                             "agree_time", "status", "review_note"}));
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  CheckEtagPresent(request.goal().etag(), "goal.etag", violations);
  Goal updated = stored;
  ApplyUpdateMask(request.goal(), mask, updated);
  if (updated.status() == casework::v1::GOAL_STATUS_UNSPECIFIED) {
    violations.Add("goal.status", "is required");
  }
  CheckGoal(updated, violations);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  CASEWORK_RETURN_IF_ERROR(CheckOpen(view.record));
  if (request.goal().etag() != stored.etag()) return EtagMismatch(stored.etag());
  StampChanged(updated, ctx.now);
  CASEWORK_RETURN_IF_ERROR(ctx.writer->Update(updated, stored.etag()));
  return updated;
}

absl::StatusOr<BenefitIndicator> CreateBenefitIndicator(
    OpContext& ctx, const casework::v1::CreateBenefitIndicatorRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName case_name, ParseCaseName(request.parent(), "parent"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadCase(ctx, case_name, request.parent()));
  const BenefitIndicator& input = request.benefit_indicator();
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.benefit_indicator_id().empty() && !IsValidId(request.benefit_indicator_id())) {
    violations.Add("benefit_indicator_id", "must be 1–63 lower-case letters, digits and dashes");
  }
  violations.CheckText("benefit_indicator.description", input.description(), 1, 500);
  violations.CheckText("benefit_indicator.unit", input.unit(), 1, 64);
  if (!casework::v1::IndicatorDirection_IsValid(input.direction())) {
    violations.Add("benefit_indicator.direction", "invalid");
  }
  if (input.has_baseline()) {
    CheckMeasurement(input.baseline(), "benefit_indicator.baseline", ctx.now, violations);
  }
  if (!input.goal().empty()) {
    Goal goal;
    absl::StatusOr<bool> found = absl::StrContains(input.goal(), view.record.name() + "/goals/")
                                     ? ctx.reader.Get(input.goal(), goal)
                                     : absl::StatusOr<bool>(false);
    if (!found.ok()) return found.status();
    if (!*found) violations.Add("benefit_indicator.goal", "must name a goal of the same case");
  }
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  CASEWORK_RETURN_IF_ERROR(CheckOpen(view.record));
  BenefitIndicator indicator = input;
  indicator.set_name(absl::StrCat(
      view.record.name(), "/benefitIndicators/",
      request.benefit_indicator_id().empty() ? NewId() : request.benefit_indicator_id()));
  indicator.clear_measurements();
  if (indicator.has_baseline()) {
    indicator.mutable_baseline()->set_recorded_by(ctx.principal.subject());
  }
  StampCreated(indicator, ctx.now);
  CASEWORK_RETURN_IF_ERROR(InsertNew(ctx, indicator, indicator.name()));
  return indicator;
}

absl::StatusOr<BenefitIndicator> GetBenefitIndicator(
    OpContext& ctx, const casework::v1::GetBenefitIndicatorRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName name,
                            ParseCaseChild(request.name(), "benefitIndicators", "name"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadParentCase(ctx, name, request.name()));
  BenefitIndicator indicator;
  CASEWORK_ASSIGN_OR_RETURN(bool found, ctx.reader.Get(request.name(), indicator));
  if (!found) return NotFound(request.name());
  return indicator;
}

absl::StatusOr<casework::v1::ListBenefitIndicatorsResponse> ListBenefitIndicators(
    OpContext& ctx, const casework::v1::ListBenefitIndicatorsRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName case_name, ParseCaseName(request.parent(), "parent"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadCase(ctx, case_name, request.parent()));
  ListQuery query{
      ResourceKind::kBenefitIndicator, case_name.team.organization, {view.record.name()}};
  query.sort = SortField::kCreateTime;
  CASEWORK_ASSIGN_OR_RETURN(
      Page<BenefitIndicator> page,
      ListPage<BenefitIndicator>(ctx, query, request.page_size(), request.page_token(),
                                 PageBinding(ctx, request.parent(), "", ""),
                                 [](BenefitIndicator&) { return true; }));
  casework::v1::ListBenefitIndicatorsResponse response;
  for (auto& indicator : page.items) *response.add_benefit_indicators() = std::move(indicator);
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<BenefitIndicator> RecordMeasurement(
    OpContext& ctx, const casework::v1::RecordMeasurementRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName name,
                            ParseCaseChild(request.name(), "benefitIndicators", "name"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadParentCase(ctx, name, request.name()));
  BenefitIndicator stored;
  CASEWORK_ASSIGN_OR_RETURN(bool found, ctx.reader.Get(request.name(), stored));
  if (!found) return NotFound(request.name());
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  violations.Require(request.has_measurement(), "measurement");
  CheckMeasurement(request.measurement(), "measurement", ctx.now, violations);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  CASEWORK_RETURN_IF_ERROR(CheckOpen(view.record));
  if (!request.etag().empty() && request.etag() != stored.etag()) {
    return EtagMismatch(stored.etag());
  }
  if (request.baseline() && stored.has_baseline()) {
    return Error(absl::StatusCode::kFailedPrecondition, "BASELINE_ALREADY_SET",
                 "the indicator already has a baseline");
  }
  BenefitIndicator updated = stored;
  casework::v1::Measurement measurement = request.measurement();
  measurement.set_recorded_by(ctx.principal.subject());
  if (request.baseline()) {
    *updated.mutable_baseline() = std::move(measurement);
  } else {
    *updated.add_measurements() = std::move(measurement);
  }
  StampChanged(updated, ctx.now);
  CASEWORK_RETURN_IF_ERROR(ctx.writer->Update(updated, stored.etag()));
  return updated;
}

}  // namespace casework::records::ops
