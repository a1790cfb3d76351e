// The anonymous case-load review of a team, and the audit log (read by auditors, appended to by
// the other casework services).
#include "libs/list_filter/list_filter.h"
#include "libs/records_client/audit_bounds.h"
#include "libs/status/errors.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/operations.h"

namespace casework::records::ops {

namespace {

absl::StatusOr<casework::v1::CaseLoadReview> ReviewOfTeam(RecordReader& reader,
                                                          const casework::v1::Team& team,
                                                          absl::Time now,
                                                          const StagnationDefaults& stagnation) {
  const std::string organization = OrganizationOf(team.name());
  ListQuery cases{ResourceKind::kCase, organization, {team.name()}};
  cases.equals = {{IndexedField::kCaseStatus, absl::StrCat(casework::v1::CASE_STATUS_OPEN)}};
  CASEWORK_ASSIGN_OR_RETURN(std::vector<casework::v1::Case> open_cases,
                            ListAll<casework::v1::Case>(reader, cases));
  ListQuery items{ResourceKind::kActionItem, organization, {team.name()}};
  items.equals = {
      {IndexedField::kActionItemState, absl::StrCat(casework::v1::ACTION_ITEM_STATE_OPEN)}};
  CASEWORK_ASSIGN_OR_RETURN(std::vector<casework::v1::ActionItem> open_items,
                            ListAll<casework::v1::ActionItem>(reader, items));
  return ComputeCaseLoadReview(team, open_cases, open_items, now, stagnation);
}

}  // namespace

absl::StatusOr<casework::v1::CaseLoadReview> ComputeTeamReview(OpContext& ctx,
                                                               const casework::v1::Team& team) {
  return ReviewOfTeam(ctx.reader, team, ctx.now, ctx.policy.stagnation);
}

absl::StatusOr<std::vector<casework::v1::CaseLoadReview>> ReviewEveryTeam(
    RecordReader& reader, absl::Time now, const StagnationDefaults& stagnation) {
  CASEWORK_ASSIGN_OR_RETURN(std::vector<casework::v1::Team> teams,
                            ListAll<casework::v1::Team>(reader, ListQuery{ResourceKind::kTeam}));
  std::vector<casework::v1::CaseLoadReview> reviews;
  for (const casework::v1::Team& team : teams) {
    CASEWORK_ASSIGN_OR_RETURN(casework::v1::CaseLoadReview review,
                              ReviewOfTeam(reader, team, now, stagnation));
    reviews.push_back(std::move(review));
  }
  return reviews;
}

absl::StatusOr<casework::v1::CaseLoadReview> GetCaseLoadReview(
    OpContext& ctx, const casework::v1::GetCaseLoadReviewRequest& request) {
  absl::string_view name = request.name();
  constexpr absl::string_view kSuffix = "/caseLoadReview";
  if (!absl::EndsWith(name, kSuffix)) {
    return InvalidArgument("FIELD_INVALID",
                           {{"name",
                             "must be a name of the form organizations/{organization}/teams/{team}/"
                             "caseLoadReview"}});
  }
  CASEWORK_ASSIGN_OR_RETURN(TeamName team_name,
                            ParseTeamName(name.substr(0, name.size() - kSuffix.size()), "name"));
  CASEWORK_ASSIGN_OR_RETURN(TeamView team, LoadTeam(ctx, team_name, name, kSessionService));
  CASEWORK_ASSIGN_OR_RETURN(casework::v1::CaseLoadReview review, ComputeTeamReview(ctx, team.team));
  RedactCaseLoadReview(team.standing, review);
  return review;
}

absl::StatusOr<casework::v1::ListAuditEntriesResponse> ListAuditEntries(
    OpContext& ctx, const casework::v1::ListAuditEntriesRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(std::string organization,
                            ParseOrganizationName(request.parent(), "parent"));
  if (!ActsInOrganization(ctx.principal, organization) || ctx.principal.organization() == "*") {
    return NotFound(request.parent());
  }
  if (!HasRole(ctx.principal, kAuditorRole)) return RoleRequired(kAuditorRole, "reading audit");
  CASEWORK_ASSIGN_OR_RETURN(
      ListFilter filter,
      ListFilter::Parse(request.filter(), *casework::v1::AuditEntry::descriptor(),
                        {"actor", "method", "resource", "outcome", "finish_time"}));
  CASEWORK_ASSIGN_OR_RETURN(int size, EffectivePageSize(request.page_size()));
  const std::string binding = PageBinding(ctx, request.parent(), request.filter(), "");
  CASEWORK_ASSIGN_OR_RETURN(std::optional<Position> after,
                            ctx.page_tokens.Open(request.page_token(), binding));
  AuditQuery query;
  query.organization = organization;
  if (after.has_value()) query.before_sequence = after->number;
  query.limit = std::min(size + 1, 1000);
  casework::v1::ListAuditEntriesResponse response;
  int examined = 0;
  int64_t last_kept = 0;
  while (true) {
    CASEWORK_ASSIGN_OR_RETURN(std::vector<StoredAuditEntry> rows, ctx.reader.ListAudit(query));
    for (StoredAuditEntry& row : rows) {
      ++examined;
      if (filter.Matches(row.entry)) {
        if (response.audit_entries_size() == size) {
          response.set_next_page_token(ctx.page_tokens.Seal({last_kept, "", ""}, binding));
          return response;
        }
        *response.add_audit_entries() = std::move(row.entry);
        last_kept = row.sequence;
      }
      if (examined >= ctx.policy.max_scan_per_page) {
        response.set_next_page_token(ctx.page_tokens.Seal({row.sequence, "", ""}, binding));
        return response;
      }
    }
    if (static_cast<int>(rows.size()) < query.limit) return response;
    query.before_sequence = rows.back().sequence;
  }
}

absl::StatusOr<casework::v1::AppendAuditEntriesResponse> AppendAuditEntries(
    OpContext& ctx, const casework::v1::AppendAuditEntriesRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(std::string organization,
                            ParseOrganizationName(request.parent(), "parent"));
  if (!ActsInOrganization(ctx.principal, organization)) return NotFound(request.parent());
  if (!IsServiceIdentity(ctx.principal)) {
    return Error(absl::StatusCode::kPermissionDenied, "SERVICE_IDENTITY_REQUIRED",
                 "only the casework services append audit entries");
  }
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  if (request.audit_entries().empty() || request.audit_entries_size() > 1000) {
    violations.Add("audit_entries", "must hold 1 to 1000 entries");
  }
  for (int i = 0; i < request.audit_entries_size(); ++i) {
    const casework::v1::AuditEntry& entry = request.audit_entries(i);
    const std::string field = absl::StrCat("audit_entries[", i, "]");
    if (entry.organization() != organization) {
      violations.Add(field + ".organization", "must be the parent's organisation");
    }
    violations.CheckToken(field + ".actor", entry.actor(), kAuditActorMax);
    violations.CheckToken(field + ".method", entry.method(), kAuditMethodMax);
    violations.CheckLength(field + ".resource", entry.resource(), kAuditResourceMax);
    violations.CheckLength(field + ".reason", entry.reason(), kAuditReasonMax);
    violations.CheckLength(field + ".request_id", entry.request_id(), kAuditRequestIdMax);
    violations.Require(entry.has_finish_time(), field + ".finish_time");
  }
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  for (casework::v1::AuditEntry entry : request.audit_entries()) {
    entry.clear_name();
    CASEWORK_RETURN_IF_ERROR(ctx.writer->AppendAudit(entry).status());
  }
  casework::v1::AppendAuditEntriesResponse response;
  response.set_appended(request.audit_entries_size());
  return response;
}

}  // namespace casework::records::ops
