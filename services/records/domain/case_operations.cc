// Cases: opened by the team's supervisor or a caseworker for themselves, visible to their
// caseworker and the supervisor only, moved through the helping process stage by stage.
#include <set>

#include "libs/list_filter/list_filter.h"
#include "libs/status/errors.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/operations.h"

namespace casework::records::ops {
namespace {

using casework::v1::Case;

void CheckCaseworker(const casework::v1::Team& team, absl::string_view caseworker,
                     Violations& violations, absl::Status& not_member) {
  if (caseworker.empty()) {
    violations.Add("case.caseworker", "is required");
  } else if (!HoldsTeamRole(team, caseworker, casework::v1::TEAM_ROLE_CASEWORKER)) {
    not_member = Error(absl::StatusCode::kInvalidArgument, "NOT_A_TEAM_MEMBER",
                       "case.caseworker must be a caseworker of the team",
                       {{"field", "case.caseworker"}, {"required_role", "CASEWORKER"}});
  }
}

void CheckFlags(const Case& record, Violations& violations) {
  std::set<int> seen;
  for (int flag : record.complexity_flags()) {
    if (flag == casework::v1::COMPLEXITY_FLAG_UNSPECIFIED ||
        !casework::v1::ComplexityFlag_IsValid(flag) || !seen.insert(flag).second) {
      violations.Add("case.complexity_flags", "holds an invalid or repeated flag");
    }
  }
}

// The entry criteria of stages 4 and 5 read the case's goals and indicators.
absl::StatusOr<CasePlanFacts> ReadPlanFacts(OpContext& ctx, const std::string& case_name) {
  CasePlanFacts facts;
  ListQuery goals{ResourceKind::kGoal, OrganizationOf(case_name), {case_name}};
  CASEWORK_ASSIGN_OR_RETURN(std::vector<casework::v1::Goal> all_goals,
                            ListAll<casework::v1::Goal>(ctx.reader, goals));
  for (const auto& goal : all_goals) {
    if (goal.agreed_with_client() && goal.status() == casework::v1::GOAL_STATUS_ACTIVE) {
      facts.has_agreed_active_goal = true;
    }
  }
  ListQuery indicators{ResourceKind::kBenefitIndicator, OrganizationOf(case_name), {case_name}};
  CASEWORK_ASSIGN_OR_RETURN(std::vector<casework::v1::BenefitIndicator> all_indicators,
                            ListAll<casework::v1::BenefitIndicator>(ctx.reader, indicators));
  for (const auto& indicator : all_indicators) {
    if (indicator.has_baseline()) facts.has_indicator_with_baseline = true;
  }
  return facts;
}

// The organisation's open cases against its quota, counted in the write's own transaction, so
// that two concurrent creates cannot both take its last free place (SQLite has one writer;
// PostgreSQL's SERIALIZABLE transactions refuse one of two that both counted, and the store runs
// it again). RESOURCE_EXHAUSTED QUOTA_EXCEEDED when it holds its limit (0: no limit).
absl::Status AdmitOpenCase(OpContext& ctx, const std::string& organization) {
  const int64_t limit = ctx.policy.quotas.For(organization).Of(quota::Quota::kOpenCases);
  if (limit <= 0) return absl::OkStatus();
  if (ctx.open_cases != nullptr) {
    if (std::optional<int64_t> estimate =
            ctx.open_cases->AdmitFarBelow(organization, limit, ctx.now);
        estimate.has_value()) {
      if (ctx.counted != nullptr) {
        *ctx.counted = CountedUsage{organization, quota::Quota::kOpenCases, *estimate, limit, 1};
      }
      return absl::OkStatus();
    }
  }
  ListQuery open{ResourceKind::kCase, organization};
  open.equals = {{IndexedField::kCaseStatus, absl::StrCat(casework::v1::CASE_STATUS_OPEN)}};
  CASEWORK_ASSIGN_OR_RETURN(int64_t usage, ctx.reader.Count(open));
  if (ctx.open_cases != nullptr) ctx.open_cases->Counted(organization, usage, ctx.now);
  if (ctx.counted != nullptr) {
    *ctx.counted = CountedUsage{organization, quota::Quota::kOpenCases, usage, limit, 1};
  }
  if (usage >= limit) {
    return quota::QuotaRefusal(quota::Quota::kOpenCases, organization, usage, limit,
                               absl::ZeroDuration());
  }
  return absl::OkStatus();
}

absl::StatusOr<Case> Store(OpContext& ctx, CaseView& view, Case updated) {
  StampChanged(updated, ctx.now);
  CASEWORK_RETURN_IF_ERROR(ctx.writer->Update(updated, view.record.etag()));
  updated.set_stagnating(IsStagnating(updated, view.team.team, ctx.now, ctx.policy.stagnation));
  return updated;
}

}  // namespace

absl::StatusOr<Case> CreateCase(OpContext& ctx, const casework::v1::CreateCaseRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(TeamName team_name, ParseTeamName(request.parent(), "parent"));
  CASEWORK_ASSIGN_OR_RETURN(TeamView team,
                            LoadTeam(ctx, team_name, request.parent(), kMembersOnly));
  const Case& input = request.case_();
  if (!team.standing.supervisor &&
      !(team.standing.caseworker && input.caseworker() == ctx.principal.subject())) {
    return RoleRequired("supervisor", "opening a case for another caseworker");
  }
  Violations violations;
  absl::Status not_member;
  CheckRequestId(request.request_id(), violations);
  if (!request.case_id().empty() && !IsValidId(request.case_id())) {
    violations.Add("case_id", "must be 1–63 lower-case letters, digits and dashes");
  }
  violations.CheckToken("case.reference", input.reference(), 64);
  if (!input.reference().empty()) violations.CheckText("case.reference", input.reference(), 1, 64);
  if (input.risk_level() == casework::v1::RISK_LEVEL_UNSPECIFIED ||
      !casework::v1::RiskLevel_IsValid(input.risk_level())) {
    violations.Add("case.risk_level", "is required: LOW, MEDIUM or HIGH");
  }
  CheckCaseworker(team.team, input.caseworker(), violations, not_member);
  CheckFlags(input, violations);
  violations.CheckText("case.handover_note", input.handover_note(), 0, 8000);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  CASEWORK_RETURN_IF_ERROR(not_member);

  Case record;
  record.set_name(absl::StrCat(team.team.name(), "/cases/",
                               request.case_id().empty() ? NewId() : request.case_id()));
  record.set_reference(input.reference());
  record.set_risk_level(input.risk_level());
  record.set_caseworker(input.caseworker());
  record.set_status(casework::v1::CASE_STATUS_OPEN);
  *record.mutable_complexity_flags() = input.complexity_flags();
  record.set_stage(casework::v1::CASE_STAGE_HELPING_RELATIONSHIP);
  *record.mutable_stage_enter_time() = ToProtoTime(ctx.now);
  auto* first = record.add_stage_history();
  first->set_to_stage(casework::v1::CASE_STAGE_HELPING_RELATIONSHIP);
  *first->mutable_transition_time() = ToProtoTime(ctx.now);
  first->set_actor(ctx.principal.subject());
  record.set_handover_note(input.handover_note());
  StampCreated(record, ctx.now);

  // The reference is unique among the organisation's open cases (the store enforces it too).
  ListQuery same_reference{ResourceKind::kCase, team_name.organization};
  same_reference.equals = {
      {IndexedField::kReference, record.reference()},
      {IndexedField::kCaseStatus, absl::StrCat(casework::v1::CASE_STATUS_OPEN)}};
  same_reference.limit = 1;
  CASEWORK_ASSIGN_OR_RETURN(std::vector<ListedResource> taken, ctx.reader.List(same_reference));
  if (!taken.empty()) {
    return Error(absl::StatusCode::kAlreadyExists, "RESOURCE_ALREADY_EXISTS",
                 "an open case of the organisation already uses this reference",
                 {{"resource", record.name()}, {"field", "case.reference"}});
  }
  CASEWORK_RETURN_IF_ERROR(AdmitOpenCase(ctx, team_name.organization));
  CASEWORK_RETURN_IF_ERROR(InsertNew(ctx, record, record.name()));
  return record;
}

absl::StatusOr<Case> GetCase(OpContext& ctx, const casework::v1::GetCaseRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName name, ParseCaseName(request.name(), "name"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadCase(ctx, name, request.name()));
  return view.record;
}

absl::StatusOr<casework::v1::ListCasesResponse> ListCases(
    OpContext& ctx, const casework::v1::ListCasesRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(TeamName team_name, ParseTeamName(request.parent(), "parent"));
  CASEWORK_ASSIGN_OR_RETURN(TeamView team,
                            LoadTeam(ctx, team_name, request.parent(), kMembersOnly));
  CASEWORK_ASSIGN_OR_RETURN(ListFilter filter,
                            ListFilter::Parse(request.filter(), *Case::descriptor(),
                                              {"status", "risk_level", "stage", "caseworker",
                                               "stagnating", "complexity_flags"}));
  ListQuery query{ResourceKind::kCase, team_name.organization, {team.team.name()}};
  if (request.order_by().empty() || request.order_by() == "create_time desc") {
    query.sort = SortField::kCreateTime;
    query.descending = true;
  } else if (request.order_by() == "stage_enter_time") {
    query.sort = SortField::kStageEnterTime;
  } else if (request.order_by() == "risk_level desc") {
    query.sort = SortField::kRiskLevel;
    query.descending = true;
  } else {
    return InvalidArgument("FIELD_INVALID", {{"order_by",
                                              "must be \"create_time desc\", "
                                              "\"stage_enter_time\" or \"risk_level desc\""}});
  }
  casework::v1::ListCasesResponse response;
  if (!team.standing.supervisor && !team.standing.caseworker) return response;  // nothing to know
  if (!team.standing.supervisor) {
    query.equals.push_back({IndexedField::kCaseworker, ctx.principal.subject()});
  }
  if (auto status = filter.EqualityOn("status")) {
    query.equals.push_back({IndexedField::kCaseStatus, *status});
  }
  CASEWORK_ASSIGN_OR_RETURN(
      Page<Case> page,
      ListPage<Case>(ctx, query, request.page_size(), request.page_token(),
                     PageBinding(ctx, request.parent(), request.filter(), request.order_by()),
                     [&](Case& record) {
                       if (!MayReadCase(ctx.principal, team.standing, record)) return false;
                       record.set_stagnating(
                           IsStagnating(record, team.team, ctx.now, ctx.policy.stagnation));
                       return filter.Matches(record);
                     }));
  for (Case& record : page.items) *response.add_cases() = std::move(record);
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<Case> UpdateCase(OpContext& ctx, const casework::v1::UpdateCaseRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName name, ParseCaseName(request.case_().name(), "case.name"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadCase(ctx, name, request.case_().name()));
  CASEWORK_ASSIGN_OR_RETURN(
      CheckedMask mask,
      CheckUpdateMask(request.update_mask(), *Case::descriptor(),
                      {"risk_level", "caseworker", "complexity_flags", "handover_note"}));
  if (mask.Names("caseworker") && !view.team.standing.supervisor) {
    return RoleRequired("supervisor", "reassigning a case");
  }
  Violations violations;
  absl::Status not_member;
  CheckRequestId(request.request_id(), violations);
  CheckEtagPresent(request.case_().etag(), "case.etag", violations);
  Case updated = view.record;
  ApplyUpdateMask(request.case_(), mask, updated);
  if (updated.risk_level() == casework::v1::RISK_LEVEL_UNSPECIFIED ||
      !casework::v1::RiskLevel_IsValid(updated.risk_level())) {
    violations.Add("case.risk_level", "is required: LOW, MEDIUM or HIGH");
  }
  if (mask.Names("caseworker")) {
    CheckCaseworker(view.team.team, updated.caseworker(), violations, not_member);
  }
  CheckFlags(updated, violations);
  violations.CheckText("case.handover_note", updated.handover_note(), 0, 8000);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  CASEWORK_RETURN_IF_ERROR(not_member);
  CASEWORK_RETURN_IF_ERROR(CheckOpen(view.record));
  if (request.case_().etag() != view.record.etag()) return EtagMismatch(view.record.etag());
  return Store(ctx, view, std::move(updated));
}

absl::StatusOr<Case> AdvanceCaseStage(OpContext& ctx,
                                      const casework::v1::AdvanceCaseStageRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName name, ParseCaseName(request.name(), "name"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadCase(ctx, name, request.name()));
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  CheckEtagPresent(request.etag(), "etag", violations);
  violations.CheckText("note", request.note(), 0, 2000);
  violations.CheckText("reason", request.reason(), 0, 2000);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  CASEWORK_RETURN_IF_ERROR(CheckStageMoveArguments(request.direction(), request.reason()));
  CASEWORK_RETURN_IF_ERROR(CheckOpen(view.record));
  if (request.etag() != view.record.etag()) return EtagMismatch(view.record.etag());
  CASEWORK_ASSIGN_OR_RETURN(CasePlanFacts facts, ReadPlanFacts(ctx, view.record.name()));
  Case updated = view.record;
  CASEWORK_RETURN_IF_ERROR(MoveStage(updated, request.direction(), request.note(), request.reason(),
                                     facts, ctx.principal.subject(), ctx.now));
  return Store(ctx, view, std::move(updated));
}

absl::StatusOr<Case> CloseCase(OpContext& ctx, const casework::v1::CloseCaseRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName name, ParseCaseName(request.name(), "name"));
  CASEWORK_ASSIGN_OR_RETURN(CaseView view, LoadCase(ctx, name, request.name()));
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  CheckEtagPresent(request.etag(), "etag", violations);
  violations.CheckText("close_reason", request.close_reason(), 0, 2000);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  CASEWORK_RETURN_IF_ERROR(CheckCloseArguments(view.record, request.close_reason()));
  CASEWORK_RETURN_IF_ERROR(CheckOpen(view.record));
  if (request.etag() != view.record.etag()) return EtagMismatch(view.record.etag());
  Case updated = view.record;
  CASEWORK_RETURN_IF_ERROR(Close(updated, request.close_reason(), ctx.now));
  return Store(ctx, view, std::move(updated));
}

}  // namespace casework::records::ops
