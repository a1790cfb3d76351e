// The records operations: one function per RPC, run by RecordsCore inside a store unit of work
// (a read snapshot or a write transaction). Each checks, in this order: authorisation (NOT_FOUND
// for what the caller may not see, PERMISSION_DENIED for what they may see but not change), then
// validation (INVALID_ARGUMENT), then state (FAILED_PRECONDITION, ABORTED); then it reads or
// writes through the store. Shared helpers for loading with need-to-know and for paging live
// here too.
#ifndef SERVICES_RECORDS_DOMAIN_OPERATIONS_H_
#define SERVICES_RECORDS_DOMAIN_OPERATIONS_H_

#include <google/protobuf/empty.pb.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/records_service.pb.h"
#include "libs/quota/quota_policy.h"
#include "services/records/domain/access_policy.h"
#include "services/records/domain/case_rules.h"
#include "services/records/domain/open_case_counts.h"
#include "services/records/domain/page_tokens.h"
#include "services/records/domain/proto_time.h"
#include "services/records/domain/record_store.h"
#include "services/records/domain/request_checks.h"
#include "services/records/domain/resource_names.h"

namespace casework::records {

// Settings of the records domain that operators may change (flags of casework-records).
struct RecordsPolicy {
  StagnationDefaults stagnation;
  // At most this many stored resources are examined for one page of a filtered list; a page cut
  // short by it still carries a next_page_token (AIP-158 allows short pages).
  int max_scan_per_page = 5000;
  // Per-organisation quotas (--quota_file); the records service enforces Quota::kOpenCases.
  quota::QuotaPolicy quotas;
};

// What a write counted of an organisation's quota, for the usage metrics: `organization` held
// `usage` of its `limit` when counted, and holds `usage + adds` if the write commits.
struct CountedUsage {
  std::string organization;
  quota::Quota quota = quota::Quota::kOpenCases;
  int64_t usage = 0;
  int64_t limit = 0;
  int64_t adds = 0;
};

struct OpContext {
  const casework::v1::Principal& principal;
  absl::Time now;
  const RecordsPolicy& policy;
  const PageTokens& page_tokens;
  absl::string_view method;
  RecordReader& reader;
  RecordWriter* writer = nullptr;  // set for writes only
  // Where a write that counts a quota leaves what it counted (the core reports it once the
  // unit's outcome is known); null when nobody asks.
  std::optional<CountedUsage>* counted = nullptr;
  // The open-case counts between exact ones (open_case_counts.h); null: always count exactly.
  OpenCaseCounts* open_cases = nullptr;
};

namespace ops {

// ---- Loading with need-to-know -------------------------------------------------------------

template <typename Message>
absl::StatusOr<bool> Fetch(RecordReader& reader, absl::string_view name, Message& out) {
  return reader.Get(name, out);
}

struct TeamView {
  casework::v1::Team team;
  TeamStanding standing;
};
// The team if the caller acts in its organisation and is a member, or is in `audience`; else
// NOT_FOUND naming `requested`.
absl::StatusOr<TeamView> LoadTeam(OpContext& ctx, const TeamName& name, absl::string_view requested,
                                  unsigned audience);

struct CaseView {
  TeamView team;
  casework::v1::Case record;
};
// The case if the caller may read it (its caseworker, the team's supervisor); else NOT_FOUND
// naming `requested`.
absl::StatusOr<CaseView> LoadCase(OpContext& ctx, const ChildName& case_name,
                                  absl::string_view requested);

// ---- Writing ---------------------------------------------------------------------------------

absl::Status AlreadyExists(absl::string_view name);
// Inserts, turning the store's ALREADY_EXISTS into RESOURCE_ALREADY_EXISTS for `name`.
absl::Status InsertNew(OpContext& ctx, const google::protobuf::Message& resource,
                       absl::string_view name);

template <typename Message>
void StampCreated(Message& resource, absl::Time now) {
  *resource.mutable_create_time() = ToProtoTime(now);
  *resource.mutable_update_time() = ToProtoTime(now);
  resource.set_etag(NextEtag("", ToUnixMicros(resource.create_time())));
}

template <typename Message>
void StampChanged(Message& resource, absl::Time now) {
  *resource.mutable_update_time() = ToProtoTime(now);
  resource.set_etag(NextEtag(resource.etag(), ToUnixMicros(resource.create_time())));
}

// ---- Paging ----------------------------------------------------------------------------------

template <typename Message>
struct Page {
  std::vector<Message> items;
  std::string next_page_token;
};

// The parameters a page token is bound to, besides the caller and method.
std::string PageBinding(const OpContext& ctx, absl::string_view parent, absl::string_view filter,
                        absl::string_view order_by);

// One page of `query` keeping only the resources `keep` accepts (it may also complete or redact
// them). The token continues after the last resource examined.
absl::StatusOr<Page<std::string>> ListRawPage(OpContext& ctx, ListQuery query, int page_size,
                                              absl::string_view page_token,
                                              absl::string_view binding,
                                              const std::function<bool(std::string& body)>& keep);

template <typename Message>
absl::StatusOr<Page<Message>> ListPage(OpContext& ctx, ListQuery query, int page_size,
                                       absl::string_view page_token, absl::string_view binding,
                                       const std::function<bool(Message&)>& keep) {
  std::vector<Message> kept;
  absl::StatusOr<Page<std::string>> raw =
      ListRawPage(ctx, std::move(query), page_size, page_token, binding, [&](std::string& body) {
        Message message;
        if (!message.ParseFromString(body) || !keep(message)) return false;
        kept.push_back(std::move(message));
        return true;
      });
  if (!raw.ok()) return raw.status();
  // ListRawPage may examine one more match than the page holds, to know whether there is more.
  kept.resize(raw->items.size());
  return Page<Message>{std::move(kept), std::move(raw->next_page_token)};
}

// Every resource of `query` (the case-load review and the metrics collector).
template <typename Message>
absl::StatusOr<std::vector<Message>> ListAll(RecordReader& reader, ListQuery query) {
  std::vector<Message> out;
  query.limit = 1000;
  while (true) {
    absl::StatusOr<std::vector<ListedResource>> rows = reader.List(query);
    if (!rows.ok()) return rows.status();
    for (const ListedResource& row : *rows) {
      if (!out.emplace_back().ParseFromString(row.body)) out.pop_back();
    }
    if (static_cast<int>(rows->size()) < query.limit) return out;
    query.after = rows->back().position;
  }
}

// ---- Operations, by resource -----------------------------------------------------------------

absl::StatusOr<casework::v1::Team> CreateTeam(OpContext&, const casework::v1::CreateTeamRequest&);
absl::StatusOr<casework::v1::Team> GetTeam(OpContext&, const casework::v1::GetTeamRequest&);
absl::StatusOr<casework::v1::ListTeamsResponse> ListTeams(OpContext&,
                                                          const casework::v1::ListTeamsRequest&);
absl::StatusOr<casework::v1::Team> UpdateTeam(OpContext&, const casework::v1::UpdateTeamRequest&);

absl::StatusOr<casework::v1::Case> CreateCase(OpContext&, const casework::v1::CreateCaseRequest&);
absl::StatusOr<casework::v1::Case> GetCase(OpContext&, const casework::v1::GetCaseRequest&);
absl::StatusOr<casework::v1::ListCasesResponse> ListCases(OpContext&,
                                                          const casework::v1::ListCasesRequest&);
absl::StatusOr<casework::v1::Case> UpdateCase(OpContext&, const casework::v1::UpdateCaseRequest&);
absl::StatusOr<casework::v1::Case> AdvanceCaseStage(OpContext&,
                                                    const casework::v1::AdvanceCaseStageRequest&);
absl::StatusOr<casework::v1::Case> CloseCase(OpContext&, const casework::v1::CloseCaseRequest&);

absl::StatusOr<casework::v1::Goal> CreateGoal(OpContext&, const casework::v1::CreateGoalRequest&);
absl::StatusOr<casework::v1::Goal> GetGoal(OpContext&, const casework::v1::GetGoalRequest&);
absl::StatusOr<casework::v1::ListGoalsResponse> ListGoals(OpContext&,
                                                          const casework::v1::ListGoalsRequest&);
absl::StatusOr<casework::v1::Goal> UpdateGoal(OpContext&, const casework::v1::UpdateGoalRequest&);
absl::StatusOr<casework::v1::BenefitIndicator> CreateBenefitIndicator(
    OpContext&, const casework::v1::CreateBenefitIndicatorRequest&);
absl::StatusOr<casework::v1::BenefitIndicator> GetBenefitIndicator(
    OpContext&, const casework::v1::GetBenefitIndicatorRequest&);
absl::StatusOr<casework::v1::ListBenefitIndicatorsResponse> ListBenefitIndicators(
    OpContext&, const casework::v1::ListBenefitIndicatorsRequest&);
absl::StatusOr<casework::v1::BenefitIndicator> RecordMeasurement(
    OpContext&, const casework::v1::RecordMeasurementRequest&);

absl::StatusOr<casework::v1::Meeting> CreateMeeting(OpContext&,
                                                    const casework::v1::CreateMeetingRequest&);
absl::StatusOr<casework::v1::Meeting> GetMeeting(OpContext&,
                                                 const casework::v1::GetMeetingRequest&);
absl::StatusOr<casework::v1::ListMeetingsResponse> ListMeetings(
    OpContext&, const casework::v1::ListMeetingsRequest&);
absl::StatusOr<casework::v1::Meeting> UpdateMeeting(OpContext&,
                                                    const casework::v1::UpdateMeetingRequest&);
absl::StatusOr<casework::v1::Meeting> AttachCaseLoadReview(
    OpContext&, const casework::v1::AttachCaseLoadReviewRequest&);

absl::StatusOr<casework::v1::ActionItem> CreateActionItem(
    OpContext&, const casework::v1::CreateActionItemRequest&);
absl::StatusOr<casework::v1::ActionItem> GetActionItem(OpContext&,
                                                       const casework::v1::GetActionItemRequest&);
absl::StatusOr<casework::v1::ListActionItemsResponse> ListActionItems(
    OpContext&, const casework::v1::ListActionItemsRequest&);
absl::StatusOr<casework::v1::ActionItem> UpdateActionItem(
    OpContext&, const casework::v1::UpdateActionItemRequest&);
absl::StatusOr<google::protobuf::Empty> DeleteActionItem(
    OpContext&, const casework::v1::DeleteActionItemRequest&);

absl::StatusOr<casework::v1::SessionRecord> CreateSessionRecord(
    OpContext&, const casework::v1::CreateSessionRecordRequest&);
absl::StatusOr<casework::v1::SessionRecord> GetSessionRecord(
    OpContext&, const casework::v1::GetSessionRecordRequest&);
absl::StatusOr<casework::v1::ListSessionRecordsResponse> ListSessionRecords(
    OpContext&, const casework::v1::ListSessionRecordsRequest&);

absl::StatusOr<casework::v1::CaseLoadReview> GetCaseLoadReview(
    OpContext&, const casework::v1::GetCaseLoadReviewRequest&);
// The review of one team with caseworker ids; callers redact it (RedactCaseLoadReview).
absl::StatusOr<casework::v1::CaseLoadReview> ComputeTeamReview(OpContext&,
                                                               const casework::v1::Team& team);
// The review of every team of every organisation, with caseworker ids: what the metrics
// collector publishes (as counts and a histogram, never ids).
absl::StatusOr<std::vector<casework::v1::CaseLoadReview>> ReviewEveryTeam(
    RecordReader& reader, absl::Time now, const StagnationDefaults& stagnation);
absl::StatusOr<casework::v1::ListAuditEntriesResponse> ListAuditEntries(
    OpContext&, const casework::v1::ListAuditEntriesRequest&);
absl::StatusOr<casework::v1::AppendAuditEntriesResponse> AppendAuditEntries(
    OpContext&, const casework::v1::AppendAuditEntriesRequest&);

absl::StatusOr<casework::v1::RetentionPolicy> GetRetentionPolicy(
    OpContext&, const casework::v1::GetRetentionPolicyRequest&);
absl::StatusOr<casework::v1::RetentionPolicy> UpdateRetentionPolicy(
    OpContext&, const casework::v1::UpdateRetentionPolicyRequest&);

// ---- The retention purge (services/records/retention_purge.h runs it) ------------------------

// Who and what the purge's audit entries name.
inline constexpr absl::string_view kRetentionPurgeActor = "records-service";
inline constexpr absl::string_view kRetentionPurgeMethod = "retention-purge";

// Up to `limit` names of `organization`'s resources of `kind` (kCase: closed cases; or
// kSessionRecord) past its retention policy at `now`, the longest past first. A read.
absl::StatusOr<std::vector<std::string>> FindExpired(RecordReader& reader,
                                                     absl::string_view organization,
                                                     ResourceKind kind, absl::Time now, int limit);

// One write unit: if `name` is still past the organisation's policy at `now`, deletes it with
// everything that hangs off it (a case's goals, benefit indicators and measurements, stage
// history and the action items raised from it) and appends the audit entry of the deletion.
// false when there was nothing to delete (gone already, or no longer past the policy).
absl::StatusOr<bool> PurgeExpired(RecordWriter& writer, ResourceKind kind, absl::string_view name,
                                  absl::Time now);

// One write unit: forgets each organisation's request ids older than its shortest record
// retention, whose remembered responses may hold what the purge deleted. Returns how many.
absl::StatusOr<int> ForgetStaleRequestIds(RecordWriter& writer,
                                          const std::vector<std::string>& organizations,
                                          absl::Time now);

}  // namespace ops
}  // namespace casework::records

#endif  // SERVICES_RECORDS_DOMAIN_OPERATIONS_H_
