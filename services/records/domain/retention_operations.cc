// The retention policy's RPCs — read by the organisation's admins and auditors and by the service
// identities, changed by its admins — and the purge's units of work: finding what is past the
// policy, deleting one resource with what hangs off it and auditing that, and forgetting request
// ids whose remembered responses could still hold what was purged.
#include "casework/v1/case.pb.h"
#include "casework/v1/session_record.pb.h"
#include "libs/status/errors.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/operations.h"
#include "services/records/domain/retention_policy.h"

namespace casework::records::ops {
namespace {

using casework::v1::RetentionPolicy;

constexpr unsigned kPolicyReaders = kAdmins | kAuditors | kSessionService | kNotificationService;

// The organisation's policy as stored, or its default one; with every duration filled in.
absl::StatusOr<RetentionPolicy> LoadPolicy(RecordReader& reader, absl::string_view organization) {
  RetentionPolicy stored;
  CASEWORK_ASSIGN_OR_RETURN(bool found, reader.Get(RetentionPolicyName(organization), stored));
  return EffectivePolicy(organization, found, std::move(stored));
}

const RetentionRule& RuleFor(ResourceKind kind) {
  return kind == ResourceKind::kCase ? ClosedCaseRule() : SessionRecordRule();
}

// When the retention of the stored resource `name` started — a case's close time, a session
// record's store time — or nullopt when it is absent or (an open case) never expires.
absl::StatusOr<std::optional<absl::Time>> RetentionStart(RecordReader& reader, ResourceKind kind,
                                                         absl::string_view name) {
  if (kind == ResourceKind::kCase) {
    casework::v1::Case record;
    CASEWORK_ASSIGN_OR_RETURN(bool found, reader.Get(name, record));
    if (!found || record.status() != casework::v1::CASE_STATUS_CLOSED) return std::nullopt;
    return FromProtoTime(record.close_time());
  }
  casework::v1::SessionRecord record;
  CASEWORK_ASSIGN_OR_RETURN(bool found, reader.Get(name, record));
  if (!found) return std::nullopt;
  return FromProtoTime(record.create_time());
}

// Deletes the action items raised from the case `case_name`; returns how many.
absl::StatusOr<int> DeleteItemsOfCase(RecordWriter& writer, const std::string& case_name) {
  ListQuery query{ResourceKind::kActionItem, OrganizationOf(case_name)};
  query.equals = {{IndexedField::kSourceCase, case_name}};
  CASEWORK_ASSIGN_OR_RETURN(std::vector<casework::v1::ActionItem> items,
                            ListAll<casework::v1::ActionItem>(writer, query));
  for (const casework::v1::ActionItem& item : items) {
    CASEWORK_RETURN_IF_ERROR(writer.Delete(ResourceKind::kActionItem, item.name(), item.etag()));
  }
  return static_cast<int>(items.size());
}

// The audit entry of one deletion: what, when and under which rule — nothing of its content.
casework::v1::AuditEntry PurgeEntry(const RetentionPolicy& policy, const RetentionRule& rule,
                                    absl::string_view name, int dependents, absl::Time now) {
  casework::v1::AuditEntry entry;
  entry.set_actor(std::string(kRetentionPurgeActor));
  entry.set_organization(OrganizationOf(name));
  entry.set_method(std::string(kRetentionPurgeMethod));
  entry.set_resource(std::string(name));
  entry.set_outcome(google::rpc::OK);
  *entry.mutable_finish_time() = ToProtoTime(now);
  casework::v1::RetentionPurgeDetails& details = *entry.mutable_retention_purge();
  details.set_policy(policy.name());
  details.set_policy_etag(policy.etag());
  details.set_rule(rule.field);
  *details.mutable_retention() = ToProtoDuration(RetentionOf(policy, rule));
  details.set_dependents_deleted(dependents);
  return entry;
}

}  // namespace

absl::StatusOr<RetentionPolicy> GetRetentionPolicy(
    OpContext& ctx, const casework::v1::GetRetentionPolicyRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(std::string organization,
                            ParseRetentionPolicyName(request.name(), "name"));
  if (!ActsInOrganization(ctx.principal, organization)) return NotFound(request.name());
  if (!InAudience(ctx.principal, kPolicyReaders)) {
    return RoleRequired("admin or auditor", "reading the retention policy");
  }
  return LoadPolicy(ctx.reader, organization);
}

absl::StatusOr<RetentionPolicy> UpdateRetentionPolicy(
    OpContext& ctx, const casework::v1::UpdateRetentionPolicyRequest& request) {
  const RetentionPolicy& input = request.retention_policy();
  CASEWORK_ASSIGN_OR_RETURN(std::string organization,
                            ParseRetentionPolicyName(input.name(), "retention_policy.name"));
  if (!ActsInOrganization(ctx.principal, organization) || ctx.principal.organization() == "*") {
    return NotFound(input.name());
  }
  if (!HasRole(ctx.principal, kAdminRole)) {
    return RoleRequired(kAdminRole, "changing the retention policy");
  }
  std::vector<std::string> fields;
  for (const RetentionRule& rule : RetentionRules()) fields.emplace_back(rule.field);
  CASEWORK_ASSIGN_OR_RETURN(
      CheckedMask mask,
      CheckUpdateMask(request.update_mask(), *RetentionPolicy::descriptor(), fields));
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  CheckEtagPresent(input.etag(), "retention_policy.etag", violations);
  RetentionPolicy stored;
  CASEWORK_ASSIGN_OR_RETURN(bool found, ctx.reader.Get(RetentionPolicyName(organization), stored));
  RetentionPolicy updated = stored;
  ApplyUpdateMask(input, mask, updated);
  CheckRetentionBounds(updated, "retention_policy", violations);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  const std::string current = found ? stored.etag() : std::string(kDefaultPolicyEtag);
  if (input.etag() != current) return EtagMismatch(current);
  updated.set_name(RetentionPolicyName(organization));
  *updated.mutable_update_time() = ToProtoTime(ctx.now);
  // The etag counts changes from the default policy's, so it never repeats one handed out.
  updated.set_etag(NextEtag(current, 0));
  absl::Status written = found ? ctx.writer->Update(updated, current) : ctx.writer->Insert(updated);
  if (written.code() == absl::StatusCode::kAlreadyExists) return EtagMismatch(current);
  CASEWORK_RETURN_IF_ERROR(written);
  return EffectivePolicy(organization, true, std::move(updated));
}

absl::StatusOr<std::vector<std::string>> FindExpired(RecordReader& reader,
                                                     absl::string_view organization,
                                                     ResourceKind kind, absl::Time now, int limit) {
  CASEWORK_ASSIGN_OR_RETURN(RetentionPolicy policy, LoadPolicy(reader, organization));
  ListQuery query{kind, std::string(organization)};
  if (kind == ResourceKind::kCase) {
    query.equals = {{IndexedField::kCaseStatus, absl::StrCat(casework::v1::CASE_STATUS_CLOSED)}};
    query.sort = SortField::kCloseTime;
  } else {
    query.sort = SortField::kCreateTime;
  }
  // Strictly before the cut-off: exactly what PastRetention accepts, to the microsecond.
  query.sort_below = absl::ToUnixMicros(now - RetentionOf(policy, RuleFor(kind)));
  query.limit = limit;
  CASEWORK_ASSIGN_OR_RETURN(std::vector<ListedResource> rows, reader.List(query));
  std::vector<std::string> names;
  for (const ListedResource& row : rows) names.push_back(row.position.name);
  return names;
}

absl::StatusOr<bool> PurgeExpired(RecordWriter& writer, ResourceKind kind, absl::string_view name,
                                  absl::Time now) {
  if (kind != ResourceKind::kCase && kind != ResourceKind::kSessionRecord) {
    return absl::InvalidArgumentError("only cases and session records expire");
  }
  // Decided again inside the unit, on the policy as it is now: a purge listed under an older,
  // shorter policy, or already done by another replica, deletes nothing.
  CASEWORK_ASSIGN_OR_RETURN(RetentionPolicy policy, LoadPolicy(writer, OrganizationOf(name)));
  const RetentionRule& rule = RuleFor(kind);
  CASEWORK_ASSIGN_OR_RETURN(std::optional<absl::Time> start, RetentionStart(writer, kind, name));
  if (!start.has_value() || !PastRetention(*start, RetentionOf(policy, rule), now)) return false;
  int dependents = 0;
  if (kind == ResourceKind::kCase) {
    CASEWORK_ASSIGN_OR_RETURN(dependents, DeleteItemsOfCase(writer, std::string(name)));
  }
  CASEWORK_ASSIGN_OR_RETURN(int deleted, writer.DeleteTree(kind, name));
  if (deleted == 0) return false;
  dependents += deleted - 1;
  CASEWORK_RETURN_IF_ERROR(
      writer.AppendAudit(PurgeEntry(policy, rule, name, dependents, now)).status());
  return true;
}

absl::StatusOr<int> ForgetStaleRequestIds(RecordWriter& writer,
                                          const std::vector<std::string>& organizations,
                                          absl::Time now) {
  int forgotten = 0;
  for (const std::string& organization : organizations) {
    CASEWORK_ASSIGN_OR_RETURN(RetentionPolicy policy, LoadPolicy(writer, organization));
    const absl::Duration shortest =
        std::min(RetentionOf(policy, ClosedCaseRule()), RetentionOf(policy, SessionRecordRule()));
    CASEWORK_ASSIGN_OR_RETURN(int count, writer.ForgetRequestIds(organization, now - shortest));
    forgotten += count;
  }
  return forgotten;
}

}  // namespace casework::records::ops
