// Each RPC as one store unit of work: reads in a snapshot, writes in a transaction with their
// idempotency key; every unit carries the call's audit entry.
#include "services/records/domain/records_core.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <memory>
#include <optional>
#include <utility>

#include "libs/status/errors.h"
#include "services/records/domain/resource_names.h"

namespace casework::records {
namespace {

// The request's bytes in a canonical form, so a retry of the same request has the same
// fingerprint whatever order its map fields were built in.
std::string Fingerprint(absl::string_view method, const google::protobuf::Message& request) {
  std::string bytes(method);
  bytes.push_back('\n');
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  request.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

casework::v1::AuditEntry AuditEntryFor(const CallInfo& call, const std::string& resource,
                                       const std::string& request_id) {
  casework::v1::AuditEntry entry;
  entry.set_actor(call.principal.subject());
  std::string organization = call.principal.organization();
  if (organization == "*" && !OrganizationOf(resource).empty()) {
    organization = OrganizationOf(resource);
  }
  entry.set_organization(organization);
  entry.set_method(call.method);
  entry.set_resource(resource);
  entry.set_request_id(request_id);
  return entry;
}

template <typename Response>
WorkDone Deliver(Reply<Response> reply) {
  return [reply = std::move(reply)](absl::StatusOr<std::string> bytes) {
    if (!bytes.ok()) return reply(bytes.status());
    Response response;
    if (!response.ParseFromString(*bytes)) {
      return reply(absl::InternalError("a stored response could not be read"));
    }
    reply(std::move(response));
  };
}

// Reports what a write counted of a quota, given the unit's outcome: the usage it leaves, and a
// refusal for that quota.
void ReportUsage(QuotaUsageSink& sink, const CountedUsage& counted, const absl::Status& outcome) {
  sink.Observe(counted.organization, counted.quota,
               outcome.ok() ? counted.usage + counted.adds : counted.usage, counted.limit);
  if (outcome.code() != absl::StatusCode::kResourceExhausted) return;
  const std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(outcome);
  if (!info.has_value() || info->reason() != "QUOTA_EXCEEDED") return;
  auto refused = info->metadata().find("quota");
  if (refused != info->metadata().end() && refused->second == quota::QuotaName(counted.quota)) {
    sink.Refused(counted.quota);
  }
}

}  // namespace

RecordsCore::RecordsCore(RecordStore& store, const Clock& clock,
                         const MessageAuthenticator& authenticator, RecordsPolicy policy,
                         QuotaUsageSink* quota_usage)
    : store_(store),
      clock_(clock),
      page_tokens_(authenticator),
      policy_(std::move(policy)),
      quota_usage_(quota_usage) {}

template <typename Request, typename Response>
void RecordsCore::RunRead(const CallInfo& call, const std::string& resource, const Request& request,
                          Reply<Response> reply, Operation<Request, Response> operation) {
  store_.Read(
      [this, principal = call.principal, method = call.method, &request,
       operation](RecordReader& reader) -> absl::StatusOr<std::string> {
        OpContext ctx{principal, clock_.Now(), policy_, page_tokens_, method, reader, nullptr};
        absl::StatusOr<Response> response = operation(ctx, request);
        if (!response.ok()) return response.status();
        return response->SerializeAsString();
      },
      AuditEntryFor(call, resource, call.request_id), Deliver<Response>(std::move(reply)));
}

template <typename Request, typename Response>
void RecordsCore::RunWrite(const CallInfo& call, const std::string& resource,
                           const std::string& request_id, const Request& request,
                           Reply<Response> reply, Operation<Request, Response> operation) {
  WriteUnit unit;
  unit.audit = AuditEntryFor(call, resource, request_id);
  // Keyed by the organisation acted in, so a service identity's ids are scoped per organisation.
  unit.idempotency = {unit.audit->organization(), call.principal.subject(), request_id};
  unit.fingerprint = Fingerprint(call.method, request);
  // What the operation counted of a quota. The work may run more than once (PostgreSQL runs a
  // batch again after a serialization failure); the last run is the one whose outcome is
  // delivered. `done` runs after the work, on the same store thread.
  auto counted = quota_usage_ != nullptr ? std::make_shared<std::optional<CountedUsage>>()
                                         : std::shared_ptr<std::optional<CountedUsage>>();
  unit.work = [this, principal = call.principal, method = call.method, &request, operation,
               counted](RecordWriter& writer) -> absl::StatusOr<std::string> {
    OpContext ctx{principal, clock_.Now(), policy_, page_tokens_, method, writer, &writer};
    ctx.open_cases = &open_case_counts_;
    if (counted != nullptr) {
      counted->reset();
      ctx.counted = counted.get();
    }
    absl::StatusOr<Response> response = operation(ctx, request);
    if (!response.ok()) return response.status();
    return response->SerializeAsString();
  };
  WorkDone done = Deliver<Response>(std::move(reply));
  if (counted != nullptr) {
    done = [sink = quota_usage_, counted,
            done = std::move(done)](absl::StatusOr<std::string> result) {
      if (counted->has_value()) ReportUsage(*sink, **counted, result.status());
      done(std::move(result));
    };
  }
  store_.Write(std::move(unit), std::move(done));
}

#define CASEWORK_READ(Method, Request, Response, resource)                              \
  void RecordsCore::Method(const CallInfo& call, const casework::v1::Request& request,  \
                           Reply<Response> reply) {                                     \
    RunRead<casework::v1::Request, Response>(call, resource, request, std::move(reply), \
                                             &ops::Method);                             \
  }
#define CASEWORK_WRITE(Method, Request, Response, resource)                                  \
  void RecordsCore::Method(const CallInfo& call, const casework::v1::Request& request,       \
                           Reply<Response> reply) {                                          \
    RunWrite<casework::v1::Request, Response>(call, resource, request.request_id(), request, \
                                              std::move(reply), &ops::Method);               \
  }

CASEWORK_WRITE(CreateTeam, CreateTeamRequest, casework::v1::Team, request.parent())
CASEWORK_READ(GetTeam, GetTeamRequest, casework::v1::Team, request.name())
CASEWORK_READ(ListTeams, ListTeamsRequest, casework::v1::ListTeamsResponse, request.parent())
CASEWORK_WRITE(UpdateTeam, UpdateTeamRequest, casework::v1::Team, request.team().name())
CASEWORK_WRITE(CreateCase, CreateCaseRequest, casework::v1::Case, request.parent())
CASEWORK_READ(GetCase, GetCaseRequest, casework::v1::Case, request.name())
CASEWORK_READ(ListCases, ListCasesRequest, casework::v1::ListCasesResponse, request.parent())
CASEWORK_WRITE(UpdateCase, UpdateCaseRequest, casework::v1::Case, request.case_().name())
CASEWORK_WRITE(AdvanceCaseStage, AdvanceCaseStageRequest, casework::v1::Case, request.name())
CASEWORK_WRITE(CloseCase, CloseCaseRequest, casework::v1::Case, request.name())
CASEWORK_WRITE(CreateGoal, CreateGoalRequest, casework::v1::Goal, request.parent())
CASEWORK_READ(GetGoal, GetGoalRequest, casework::v1::Goal, request.name())
CASEWORK_READ(ListGoals, ListGoalsRequest, casework::v1::ListGoalsResponse, request.parent())
CASEWORK_WRITE(UpdateGoal, UpdateGoalRequest, casework::v1::Goal, request.goal().name())
CASEWORK_WRITE(CreateBenefitIndicator, CreateBenefitIndicatorRequest,
               casework::v1::BenefitIndicator, request.parent())
CASEWORK_READ(GetBenefitIndicator, GetBenefitIndicatorRequest, casework::v1::BenefitIndicator,
              request.name())
CASEWORK_READ(ListBenefitIndicators, ListBenefitIndicatorsRequest,
              casework::v1::ListBenefitIndicatorsResponse, request.parent())
CASEWORK_WRITE(RecordMeasurement, RecordMeasurementRequest, casework::v1::BenefitIndicator,
               request.name())
CASEWORK_WRITE(CreateMeeting, CreateMeetingRequest, casework::v1::Meeting, request.parent())
CASEWORK_READ(GetMeeting, GetMeetingRequest, casework::v1::Meeting, request.name())
CASEWORK_READ(ListMeetings, ListMeetingsRequest, casework::v1::ListMeetingsResponse,
              request.parent())
CASEWORK_WRITE(UpdateMeeting, UpdateMeetingRequest, casework::v1::Meeting, request.meeting().name())
CASEWORK_WRITE(AttachCaseLoadReview, AttachCaseLoadReviewRequest, casework::v1::Meeting,
               request.name())
CASEWORK_WRITE(CreateActionItem, CreateActionItemRequest, casework::v1::ActionItem,
               request.parent())
CASEWORK_READ(GetActionItem, GetActionItemRequest, casework::v1::ActionItem, request.name())
CASEWORK_READ(ListActionItems, ListActionItemsRequest, casework::v1::ListActionItemsResponse,
              request.parent())
CASEWORK_WRITE(UpdateActionItem, UpdateActionItemRequest, casework::v1::ActionItem,
               request.action_item().name())
CASEWORK_WRITE(DeleteActionItem, DeleteActionItemRequest, google::protobuf::Empty, request.name())
CASEWORK_WRITE(CreateSessionRecord, CreateSessionRecordRequest, casework::v1::SessionRecord,
               request.parent())
CASEWORK_READ(GetSessionRecord, GetSessionRecordRequest, casework::v1::SessionRecord,
              request.name())
CASEWORK_READ(ListSessionRecords, ListSessionRecordsRequest,
              casework::v1::ListSessionRecordsResponse, request.parent())
CASEWORK_READ(GetCaseLoadReview, GetCaseLoadReviewRequest, casework::v1::CaseLoadReview,
              request.name())
CASEWORK_READ(ListAuditEntries, ListAuditEntriesRequest, casework::v1::ListAuditEntriesResponse,
              request.parent())
CASEWORK_WRITE(AppendAuditEntries, AppendAuditEntriesRequest,
               casework::v1::AppendAuditEntriesResponse, request.parent())
CASEWORK_READ(GetRetentionPolicy, GetRetentionPolicyRequest, casework::v1::RetentionPolicy,
              request.name())
CASEWORK_WRITE(UpdateRetentionPolicy, UpdateRetentionPolicyRequest, casework::v1::RetentionPolicy,
               request.retention_policy().name())

#undef CASEWORK_READ
#undef CASEWORK_WRITE

}  // namespace casework::records
