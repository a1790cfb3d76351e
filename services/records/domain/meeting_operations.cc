// Meeting records of the case-management team meeting: written by the team's supervisor, read by
// the team's members (and the notification service for reminders).
#include <set>

#include "libs/list_filter/list_filter.h"
#include "libs/status/errors.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/operations.h"

namespace casework::records::ops {
namespace {

using casework::v1::Meeting;

constexpr unsigned kMeetingReaders = kNotificationService;

absl::Status NotAMember(absl::string_view field, absl::string_view role) {
  return Error(absl::StatusCode::kInvalidArgument, "NOT_A_TEAM_MEMBER",
               absl::StrCat(field, " names someone who is not a ", role, " of the team"),
               {{"field", std::string(field)}, {"required_role", std::string(role)}});
}

// Validates a whole meeting record; membership errors come after field violations.
absl::Status CheckMeeting(const casework::v1::Team& team, const Meeting& meeting,
                          Violations& violations) {
  if (meeting.kind() == casework::v1::MEETING_KIND_UNSPECIFIED ||
      !casework::v1::MeetingKind_IsValid(meeting.kind())) {
    violations.Add("meeting.kind", "is required: REGULAR or EXTENDED");
  }
  if (!casework::v1::MeetingState_IsValid(meeting.state())) violations.Add("meeting.state", "?");
  violations.Require(meeting.has_scheduled_time(), "meeting.scheduled_time");
  if (FromProtoDuration(meeting.planned_duration()) < absl::Hours(1)) {
    violations.Add("meeting.planned_duration", "must be at least 1 hour");
  }
  int previous_section = 0;
  for (int i = 0; i < meeting.sections_size(); ++i) {
    const auto& section = meeting.sections(i);
    const std::string field = absl::StrCat("meeting.sections[", i, "]");
    if (section.section() <= previous_section ||
        !casework::v1::AgendaSection_IsValid(section.section())) {
      violations.Add(field + ".section", "sections must be valid, once each, in agenda order");
    }
    previous_section = section.section();
    violations.CheckText(field + ".notes", section.notes(), 0, 20000);
  }
  std::set<std::string> checked_in;
  for (int i = 0; i < meeting.check_ins_size(); ++i) {
    const auto& check_in = meeting.check_ins(i);
    const std::string field = absl::StrCat("meeting.check_ins[", i, "]");
    if (!checked_in.insert(check_in.caseworker()).second) {
      violations.Add(field + ".caseworker", "checks in twice");
    }
    violations.CheckText(field + ".success", check_in.success(), 1, 2000);
    violations.CheckText(field + ".challenge", check_in.challenge(), 1, 2000);
  }
  const bool extended = meeting.kind() == casework::v1::MEETING_KIND_EXTENDED;
  if (extended != meeting.has_extended_segment()) {
    violations.Add("meeting.extended_segment", "is required for, and only for, EXTENDED meetings");
  }
  if (meeting.has_extended_segment()) {
    const auto& segment = meeting.extended_segment();
    if (segment.kind() == casework::v1::EXTENDED_SEGMENT_KIND_UNSPECIFIED) {
      violations.Add("meeting.extended_segment.kind", "is required");
    }
    violations.CheckText("meeting.extended_segment.title", segment.title(), 1, 200);
    const bool discussion = segment.kind() == casework::v1::EXTENDED_SEGMENT_KIND_CASE_DISCUSSION;
    if (discussion == segment.case_discussion_protocol_id().empty()) {
      violations.Add("meeting.extended_segment.case_discussion_protocol_id",
                     "is required for, and only for, case discussions");
    }
  }
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  for (int i = 0; i < meeting.check_ins_size(); ++i) {
    if (!HoldsTeamRole(team, meeting.check_ins(i).caseworker(),
                       casework::v1::TEAM_ROLE_CASEWORKER)) {
      return NotAMember(absl::StrCat("meeting.check_ins[", i, "].caseworker"), "CASEWORKER");
    }
  }
  for (int i = 0; i < meeting.attendees_size(); ++i) {
    bool member = false;
    for (const auto& m : team.members()) member = member || m.subject() == meeting.attendees(i);
    if (!member) return NotAMember(absl::StrCat("meeting.attendees[", i, "]"), "MEMBER");
  }
  return absl::OkStatus();
}

// The planned length when none is given: the cadence's, plus the extension of extended meetings.
google::protobuf::Duration DefaultDuration(const casework::v1::Team& team, const Meeting& meeting) {
  absl::Duration length = absl::Hours(1);
  if (team.has_meeting_cadence()) {
    length = FromProtoDuration(team.meeting_cadence().duration());
    if (meeting.kind() == casework::v1::MEETING_KIND_EXTENDED &&
        team.meeting_cadence().has_extended_meeting()) {
      length += FromProtoDuration(team.meeting_cadence().extended_meeting().additional_duration());
    }
  }
  return ToProtoDuration(length);
}

absl::StatusOr<std::pair<TeamView, Meeting>> LoadMeeting(OpContext& ctx, absl::string_view name,
                                                         absl::string_view field) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName child, ParseTeamChild(name, "meetings", field));
  CASEWORK_ASSIGN_OR_RETURN(TeamView team, LoadTeam(ctx, child.team, name, kMeetingReaders));
  Meeting meeting;
  CASEWORK_ASSIGN_OR_RETURN(bool found, ctx.reader.Get(name, meeting));
  if (!found) return NotFound(name);
  return std::make_pair(std::move(team), std::move(meeting));
}

}  // namespace

absl::StatusOr<Meeting> CreateMeeting(OpContext& ctx,
                                      const casework::v1::CreateMeetingRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(TeamName team_name, ParseTeamName(request.parent(), "parent"));
  CASEWORK_ASSIGN_OR_RETURN(TeamView team,
                            LoadTeam(ctx, team_name, request.parent(), kMeetingReaders));
  if (!team.standing.supervisor) return RoleRequired("supervisor", "writing a meeting record");
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.meeting_id().empty() && !IsValidId(request.meeting_id())) {
    violations.Add("meeting_id", "must be 1–63 lower-case letters, digits and dashes");
  }
  Meeting meeting = request.meeting();
  meeting.clear_case_load_review();
  if (!meeting.has_planned_duration()) {
    *meeting.mutable_planned_duration() = DefaultDuration(team.team, meeting);
  }
  if (meeting.state() == casework::v1::MEETING_STATE_UNSPECIFIED) {
    meeting.set_state(casework::v1::MEETING_STATE_SCHEDULED);
  }
  CASEWORK_RETURN_IF_ERROR(CheckMeeting(team.team, meeting, violations));
  meeting.set_name(absl::StrCat(team.team.name(), "/meetings/",
                                request.meeting_id().empty() ? NewId() : request.meeting_id()));
  StampCreated(meeting, ctx.now);
  CASEWORK_RETURN_IF_ERROR(InsertNew(ctx, meeting, meeting.name()));
  return meeting;
}

absl::StatusOr<Meeting> GetMeeting(OpContext& ctx, const casework::v1::GetMeetingRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(auto loaded, LoadMeeting(ctx, request.name(), "name"));
  return loaded.second;
}

absl::StatusOr<casework::v1::ListMeetingsResponse> ListMeetings(
    OpContext& ctx, const casework::v1::ListMeetingsRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(TeamName team_name, ParseTeamName(request.parent(), "parent"));
  CASEWORK_ASSIGN_OR_RETURN(TeamView team,
                            LoadTeam(ctx, team_name, request.parent(), kMeetingReaders));
  CASEWORK_ASSIGN_OR_RETURN(ListFilter filter,
                            ListFilter::Parse(request.filter(), *Meeting::descriptor(),
                                              {"kind", "state", "scheduled_time"}));
  ListQuery query{ResourceKind::kMeeting, team_name.organization, {team.team.name()}};
  query.sort = SortField::kScheduledTime;
  if (request.order_by().empty() || request.order_by() == "scheduled_time desc") {
    query.descending = true;
  } else if (request.order_by() != "scheduled_time") {
    return InvalidArgument("FIELD_INVALID",
                           {{"order_by", "must be \"scheduled_time desc\" or \"scheduled_time\""}});
  }
  CASEWORK_ASSIGN_OR_RETURN(
      Page<Meeting> page,
      ListPage<Meeting>(ctx, query, request.page_size(), request.page_token(),
                        PageBinding(ctx, request.parent(), request.filter(), request.order_by()),
                        [&](Meeting& meeting) { return filter.Matches(meeting); }));
  casework::v1::ListMeetingsResponse response;
  for (Meeting& meeting : page.items) *response.add_meetings() = std::move(meeting);
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<Meeting> UpdateMeeting(OpContext& ctx,
                                      const casework::v1::UpdateMeetingRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(auto loaded,
                            LoadMeeting(ctx, request.meeting().name(), "meeting.name"));
  auto& [team, stored] = loaded;
  if (!team.standing.supervisor) return RoleRequired("supervisor", "writing a meeting record");
  CASEWORK_ASSIGN_OR_RETURN(
      CheckedMask mask, CheckUpdateMask(request.update_mask(), *Meeting::descriptor(),
                                        {"state", "scheduled_time", "planned_duration", "attendees",
                                         "sections", "agreements_reviewed", "check_ins",
                                         "extended_segment", "next_meeting_time", "session"}));
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  CheckEtagPresent(request.meeting().etag(), "meeting.etag", violations);
  Meeting updated = stored;
  ApplyUpdateMask(request.meeting(), mask, updated);
  if (updated.state() == casework::v1::MEETING_STATE_UNSPECIFIED) {
    violations.Add("meeting.state", "is required");
  }
  CASEWORK_RETURN_IF_ERROR(CheckMeeting(team.team, updated, violations));
  if (request.meeting().etag() != stored.etag()) return EtagMismatch(stored.etag());
  StampChanged(updated, ctx.now);
  CASEWORK_RETURN_IF_ERROR(ctx.writer->Update(updated, stored.etag()));
  return updated;
}

absl::StatusOr<Meeting> AttachCaseLoadReview(
    OpContext& ctx, const casework::v1::AttachCaseLoadReviewRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(auto loaded, LoadMeeting(ctx, request.name(), "name"));
  auto& [team, stored] = loaded;
  if (!team.standing.supervisor) return RoleRequired("supervisor", "writing a meeting record");
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  CheckEtagPresent(request.etag(), "etag", violations);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  if (request.etag() != stored.etag()) return EtagMismatch(stored.etag());
  CASEWORK_ASSIGN_OR_RETURN(casework::v1::CaseLoadReview review, ComputeTeamReview(ctx, team.team));
  RedactCaseLoadReview(TeamStanding{}, review);  // stored snapshots are always anonymous
  Meeting updated = stored;
  *updated.mutable_case_load_review() = std::move(review);
  StampChanged(updated, ctx.now);
  CASEWORK_RETURN_IF_ERROR(ctx.writer->Update(updated, stored.etag()));
  return updated;
}

}  // namespace casework::records::ops
