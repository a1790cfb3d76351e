// Session records: written once by the session service (idempotently, from its outbox), read by
// the session's participants and the team's supervisor. Storing a record also creates its action
// items and fills the meeting record it conducted, in the same transaction.
#include "libs/list_filter/list_filter.h"
#include "libs/status/errors.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/operations.h"

namespace casework::records::ops {
namespace {

using casework::v1::SessionRecord;

void CheckRecord(const casework::v1::CreateSessionRecordRequest& request, Violations& violations) {
  const SessionRecord& record = request.session_record();
  CheckRequestId(request.request_id(), violations);
  if (!IsValidId(request.session_record_id())) {
    violations.Add("session_record_id", "must be the session's id");
  }
  const std::string& session = record.session();
  if (session.empty() || session.substr(session.rfind('/') + 1) != request.session_record_id()) {
    violations.Add("session_record.session", "must name the session whose id is the record id");
  }
  violations.CheckToken("session_record.protocol_id", record.protocol_id(), 128);
  if (record.final_state() != casework::v1::SESSION_STATE_ENDED &&
      record.final_state() != casework::v1::SESSION_STATE_CANCELLED) {
    violations.Add("session_record.final_state", "must be ENDED or CANCELLED");
  }
  violations.Require(record.has_end_time(), "session_record.end_time");
  for (int i = 0; i < record.action_items_size(); ++i) {
    const auto& item = record.action_items(i);
    const std::string field = absl::StrCat("session_record.action_items[", i, "]");
    violations.CheckToken(field + ".owner", item.owner(), 128);
    violations.Require(item.has_due_time(), field + ".due_time");
    violations.Require(item.owner_role() != casework::v1::ACTION_ITEM_OWNER_ROLE_UNSPECIFIED,
                       field + ".owner_role");
  }
}

// The meeting record the session conducted takes its notes, check-ins and review.
absl::Status FillMeeting(OpContext& ctx, const std::string& team_name,
                         const SessionRecord& record) {
  casework::v1::Meeting meeting;
  absl::StatusOr<bool> found = absl::StartsWith(record.meeting(), team_name + "/meetings/")
                                   ? ctx.reader.Get(record.meeting(), meeting)
                                   : absl::StatusOr<bool>(false);
  if (!found.ok()) return found.status();
  if (!*found) {
    return InvalidArgument("FIELD_INVALID",
                           {{"session_record.meeting", "must name a meeting of the team"}});
  }
  const std::string before = meeting.etag();
  *meeting.mutable_sections() = record.section_notes();
  *meeting.mutable_check_ins() = record.check_ins();
  if (record.has_case_load_review()) {
    *meeting.mutable_case_load_review() = record.case_load_review();
    for (auto& load : *meeting.mutable_case_load_review()->mutable_caseworker_loads()) {
      load.clear_caseworker();  // stored snapshots are always anonymous
    }
  }
  if (record.final_state() == casework::v1::SESSION_STATE_ENDED) {
    meeting.set_state(casework::v1::MEETING_STATE_HELD);
  }
  meeting.set_session(record.session());
  StampChanged(meeting, ctx.now);
  return ctx.writer->Update(meeting, before);
}

}  // namespace

absl::StatusOr<SessionRecord> CreateSessionRecord(
    OpContext& ctx, const casework::v1::CreateSessionRecordRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(TeamName team_name, ParseTeamName(request.parent(), "parent"));
  CASEWORK_ASSIGN_OR_RETURN(TeamView team,
                            LoadTeam(ctx, team_name, request.parent(), kSessionService));
  if (!HasRole(ctx.principal, kSessionServiceRole)) return ServiceIdentityRequired();
  Violations violations;
  CheckRecord(request, violations);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());

  SessionRecord record = request.session_record();
  record.set_name(absl::StrCat(team.team.name(), "/sessionRecords/", request.session_record_id()));
  *record.mutable_create_time() = ToProtoTime(ctx.now);
  record.set_etag(NextEtag("", ToUnixMicros(record.create_time())));
  for (int i = 0; i < record.action_items_size(); ++i) {
    casework::v1::RecordedActionItem& recorded = *record.mutable_action_items(i);
    casework::v1::ActionItem item;
    item.set_name(
        absl::StrCat(team.team.name(), "/actionItems/", request.session_record_id(), "-", i + 1));
    item.set_owner(recorded.owner());
    item.set_owner_role(recorded.owner_role());
    item.set_text(recorded.contribution().text());
    *item.mutable_due_time() = recorded.due_time();
    item.set_state(casework::v1::ACTION_ITEM_STATE_OPEN);
    item.set_session(record.session());
    item.set_creator(record.facilitator());
    StampCreated(item, ctx.now);
    CASEWORK_RETURN_IF_ERROR(InsertNew(ctx, item, item.name()));
    recorded.set_action_item(item.name());
  }
  if (!record.meeting().empty()) {
    CASEWORK_RETURN_IF_ERROR(FillMeeting(ctx, team.team.name(), record));
  }
  CASEWORK_RETURN_IF_ERROR(InsertNew(ctx, record, record.name()));
  return record;
}

absl::StatusOr<SessionRecord> GetSessionRecord(
    OpContext& ctx, const casework::v1::GetSessionRecordRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName name,
                            ParseTeamChild(request.name(), "sessionRecords", "name"));
  CASEWORK_ASSIGN_OR_RETURN(TeamView team,
                            LoadTeam(ctx, name.team, request.name(), kSessionService));
  SessionRecord record;
  CASEWORK_ASSIGN_OR_RETURN(bool found, ctx.reader.Get(request.name(), record));
  if (!found || !MayReadSessionRecord(ctx.principal, team.standing, record)) {
    return NotFound(request.name());
  }
  return record;
}

absl::StatusOr<casework::v1::ListSessionRecordsResponse> ListSessionRecords(
    OpContext& ctx, const casework::v1::ListSessionRecordsRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(TeamName team_name, ParseTeamName(request.parent(), "parent"));
  CASEWORK_ASSIGN_OR_RETURN(TeamView team,
                            LoadTeam(ctx, team_name, request.parent(), kSessionService));
  CASEWORK_ASSIGN_OR_RETURN(ListFilter filter,
                            ListFilter::Parse(request.filter(), *SessionRecord::descriptor(),
                                              {"protocol_id", "case", "final_state", "end_time"}));
  ListQuery query{ResourceKind::kSessionRecord, team_name.organization, {team.team.name()}};
  query.sort = SortField::kEndTime;
  query.descending = true;
  if (auto protocol = filter.EqualityOn("protocol_id")) {
    query.equals.push_back({IndexedField::kProtocolId, *protocol});
  }
  CASEWORK_ASSIGN_OR_RETURN(
      Page<SessionRecord> page,
      ListPage<SessionRecord>(ctx, query, request.page_size(), request.page_token(),
                              PageBinding(ctx, request.parent(), request.filter(), ""),
                              [&](SessionRecord& record) {
                                return MayReadSessionRecord(ctx.principal, team.standing, record) &&
                                       filter.Matches(record);
                              }));
  casework::v1::ListSessionRecordsResponse response;
  for (SessionRecord& record : page.items) *response.add_session_records() = std::move(record);
  response.set_next_page_token(page.next_page_token);
  return response;
}

}  // namespace casework::records::ops
