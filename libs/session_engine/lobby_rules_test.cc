// Rules of the lobby: creating (segments, timing overrides, facts), joining (participant
// limits), agreements, role assignment (who assigns, who may hold a role, facilitator ≠ case
// owner, rotation with recorded override) and starting.
#include "gtest/gtest.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/session_engine/time_util.h"

namespace casework::session::testing {
namespace {

TEST(CreateSession, PinsTheResolvedTemplateAndPlansThePhases) {
  EngineHarness h;
  ASSERT_OK(h.Create("balint-consultation"));
  const v1::Session& s = h.session();
  EXPECT_EQ(s.state(), v1::SESSION_STATE_SCHEDULED);
  EXPECT_EQ(s.version(), 1);
  EXPECT_EQ(s.team(), "organizations/acme/teams/t1");
  EXPECT_EQ(s.creator(), "creator");
  EXPECT_EQ(s.language_code(), "en");
  EXPECT_EQ(s.protocol_revision(), BuiltInProtocols().Find("balint-consultation")->revision());
  ASSERT_EQ(s.phases_size(), 6);
  EXPECT_EQ(s.phases(3).phase_id(), "feedback");
  EXPECT_EQ(ToDuration(s.phases(3).planned_timebox()), absl::Minutes(5));
  EXPECT_EQ(ToDuration(h.state().protocol().time_warning_lead()), absl::Minutes(2));
  EXPECT_EQ(h.log().front().sequence(), 1);
}

TEST(CreateSession, RefusesASecondCreateAndCommandsOnAMissingSession) {
  EngineHarness h;
  EXPECT_REFUSED(h.Join("m1"), kNotFound, "RESOURCE_NOT_FOUND");
  ASSERT_OK(h.Create("balint-consultation"));
  EXPECT_REFUSED(h.Create("balint-consultation"), kAlreadyExists, "RESOURCE_ALREADY_EXISTS");
}

TEST(CreateSession, NeedsItsFacts) {
  v1::SessionCommand command;
  command.mutable_create_session()->set_request_id("r1");
  command.mutable_create_session()->mutable_session()->set_protocol_id("balint-consultation");
  command.mutable_create_session()->mutable_session()->mutable_scheduled_start_time();
  auto result = Decide({}, command, Person("creator"), StartTime());
  EXPECT_REFUSED(result.status(), kInternal, "COMMAND_FACTS_MISSING");
  command.mutable_facts()->set_session_name(std::string(kSessionName));
  result = Decide({}, command, Person("creator"), StartTime());
  EXPECT_REFUSED(result.status(), kInternal, "COMMAND_FACTS_MISSING");
}

TEST(CreateSession, NeverPinsAnInvalidTemplate) {
  v1::ProtocolTemplate broken = *BuiltInProtocols().Find("balint-consultation");
  broken.mutable_phases(0)->mutable_timebox()->clear_planned();
  EngineHarness h;
  EXPECT_REFUSED(h.CreateCustom(broken), kInternal, "PROTOCOL_INVALID");
}

TEST(CreateSession, ExtendedMeetingNeedsAnOfferedSegment) {
  EngineHarness h;
  EXPECT_REFUSED(h.Create("extended-case-management-meeting"), kInvalidArgument, "FIELD_INVALID");
  v1::Session requested;
  requested.mutable_extended_segment()->set_kind(v1::EXTENDED_SEGMENT_KIND_CASE_DISCUSSION);
  requested.mutable_extended_segment()->set_title("A challenging case");
  requested.mutable_extended_segment()->set_case_discussion_protocol_id("case-management-meeting");
  EXPECT_REFUSED(h.Create("extended-case-management-meeting", requested), kInvalidArgument,
                 "FIELD_INVALID");
  EXPECT_REFUSED(h.Create("balint-consultation", requested), kInvalidArgument, "FIELD_INVALID");
}

TEST(CreateSession, CaseDiscussionRunsTheChosenProtocolInsideTheMeeting) {
  EngineHarness h;
  v1::Session requested;
  requested.mutable_extended_segment()->set_kind(v1::EXTENDED_SEGMENT_KIND_CASE_DISCUSSION);
  requested.mutable_extended_segment()->set_title("A challenging case");
  requested.mutable_extended_segment()->set_case_discussion_protocol_id("balint-consultation");
  ASSERT_OK(h.Create("extended-case-management-meeting", requested));
  std::vector<std::string> ids;
  for (const v1::SessionPhase& phase : h.session().phases()) ids.push_back(phase.phase_id());
  EXPECT_EQ(ids, (std::vector<std::string>{"opening", "administrative", "development", "supportive",
                                           "segment.case_description", "segment.questions",
                                           "segment.hypotheses", "segment.feedback",
                                           "segment.ideas", "segment.comments", "closing"}));
  const v1::PhaseTemplate& first = h.state().protocol().phases(4);
  EXPECT_EQ(first.agenda_section(), v1::AGENDA_SECTION_EXTENDED_SEGMENT);
  EXPECT_EQ(first.required_roles_size(), 2);
  EXPECT_TRUE(h.state().protocol().segment_options().empty());
}

TEST(CreateSession, TimingOverridesAreCheckedAndApplied) {
  EngineHarness h;
  v1::Session requested;
  v1::PhaseTimeboxOverride* entry = requested.mutable_timing_overrides()->add_phases();
  entry->set_phase_id("no_such_phase");
  *entry->mutable_timebox() = ToProtoDuration(absl::Minutes(3));
  EXPECT_REFUSED(h.Create("balint-consultation", requested), kInvalidArgument, "FIELD_INVALID");
  entry->set_phase_id("feedback");
  *entry->mutable_timebox() = ToProtoDuration(absl::Seconds(5));
  EXPECT_REFUSED(h.Create("balint-consultation", requested), kInvalidArgument, "FIELD_INVALID");
  *entry->mutable_timebox() = ToProtoDuration(absl::Minutes(1));  // not longer than the lead
  EXPECT_REFUSED(h.Create("balint-consultation", requested), kInvalidArgument, "FIELD_INVALID");
  *requested.mutable_timing_overrides()->mutable_time_warning_lead() =
      ToProtoDuration(absl::Seconds(20));
  *requested.mutable_timing_overrides()->mutable_default_timebox() =
      ToProtoDuration(absl::Minutes(2));
  ASSERT_OK(h.Create("balint-consultation", requested));
  EXPECT_EQ(ToDuration(h.session().phases(0).planned_timebox()), absl::Minutes(2));
  EXPECT_EQ(ToDuration(h.session().phases(3).planned_timebox()), absl::Minutes(1));
}

TEST(JoinSession, JoiningTwiceAppendsNothing) {
  EngineHarness h;
  ASSERT_OK(h.Create("balint-consultation"));
  ASSERT_OK(h.Join("m1"));
  EXPECT_EQ(h.session().state(), v1::SESSION_STATE_LOBBY);
  const size_t events = h.log().size();
  ASSERT_OK(h.Join("m1"));
  EXPECT_EQ(h.log().size(), events);
}

TEST(JoinSession, BalintAllowsTenMembersBesidesFacilitatorAndCaseOwner) {
  EngineHarness h;
  ASSERT_OK(h.Create("balint-consultation"));
  for (int i = 0; i < 12; ++i) ASSERT_OK(h.Join("p" + std::to_string(i)));
  EXPECT_REFUSED(h.Join("p12"), kFailedPrecondition, "PARTICIPANT_LIMIT");
  ASSERT_OK(h.AssignRoles("creator", "p0", "p1"));
  EXPECT_REFUSED(h.Join("p12"), kFailedPrecondition, "PARTICIPANT_LIMIT");
}

TEST(AcknowledgeAgreements, OnlyParticipantsAndOnlyTheProtocolsAgreements) {
  EngineHarness h;
  ASSERT_OK(h.Create("balint-consultation"));
  EXPECT_REFUSED(h.Acknowledge("m1"), kPermissionDenied, "PARTICIPANT_REQUIRED");
  ASSERT_OK(h.Join("m1"));
  v1::SessionCommand command;
  command.mutable_acknowledge_agreements()->set_request_id("r-x");
  command.mutable_acknowledge_agreements()->add_agreements(v1::AGREEMENT_UNSPECIFIED);
  EXPECT_REFUSED(h.Do(command, "m1"), kInvalidArgument, "FIELD_INVALID");
  ASSERT_OK(h.Acknowledge("m1"));
  const v1::AgreementsAcknowledged& event = h.log().back().agreements_acknowledged();
  EXPECT_TRUE(event.complete());
  EXPECT_EQ(event.agreements_size(), 3);
  EXPECT_TRUE(h.session().participants(0).has_agreements_acknowledge_time());
}

TEST(AssignRoles, OnlyTheCreatorBeforeAFacilitatorThenOnlyTheFacilitator) {
  EngineHarness h;
  ASSERT_OK(h.Create("balint-consultation"));
  for (const char* s : {"f", "o", "m1"}) ASSERT_OK(h.Join(s));
  EXPECT_REFUSED(h.AssignRoles("m1", "f", "o"), kPermissionDenied, "FACILITATOR_REQUIRED");
  ASSERT_OK(h.AssignRoles("creator", "f", ""));
  // Once a facilitator exists the creator, who never joined, no longer acts on the session.
  EXPECT_REFUSED(h.AssignRoles("creator", "", "o"), kPermissionDenied, "PARTICIPANT_REQUIRED");
  EXPECT_REFUSED(h.AssignRoles("m1", "", "o"), kPermissionDenied, "FACILITATOR_REQUIRED");
  ASSERT_OK(h.AssignRoles("f", "", "o"));
  EXPECT_EQ(h.session().case_owner(), "o");
}

TEST(AssignRoles, HoldersMustBeParticipants) {
  EngineHarness h;
  ASSERT_OK(h.Create("balint-consultation"));
  ASSERT_OK(h.Join("f"));
  EXPECT_REFUSED(h.AssignRoles("creator", "f", "stranger"), kInvalidArgument, "FIELD_INVALID");
}

TEST(AssignRoles, CaseOwnerIsNeverTheFacilitator) {
  EngineHarness h;
  ASSERT_OK(h.Create("intervision"));
  ASSERT_OK(h.Join("f"));
  EXPECT_REFUSED(h.AssignRoles("creator", "f", "f"), kInvalidArgument, "FACILITATOR_IS_CASE_OWNER");
  ASSERT_OK(h.AssignRoles("creator", "f", ""));
  EXPECT_REFUSED(h.AssignRoles("f", "", "f"), kInvalidArgument, "FACILITATOR_IS_CASE_OWNER");
}

TEST(AssignRoles, TeamMeetingFacilitatorMustBeASupervisor) {
  EngineHarness h;
  h.SetTeamRoles("sup", {v1::TEAM_ROLE_SUPERVISOR});
  ASSERT_OK(h.Create("case-management-meeting"));
  ASSERT_OK(h.Join("sup"));
  ASSERT_OK(h.Join("c1"));
  EXPECT_REFUSED(h.AssignRoles("creator", "c1", ""), kInvalidArgument, "FIELD_INVALID");
  ASSERT_OK(h.AssignRoles("creator", "sup", ""));
}

TEST(AssignRoles, ClosedAfterTheStartOutsideARoleAssignmentPhase) {
  EngineHarness h;
  ASSERT_OK(IntervisionAt(h, "inventory"));
  EXPECT_REFUSED(h.AssignRoles("f", "", "g"), kFailedPrecondition, "ROLE_ASSIGNMENT_CLOSED");
  ASSERT_OK(h.Add("g", v1::CONTRIBUTION_KIND_CASE_STATEMENT, "my case"));
  ASSERT_OK(h.Advance("f", "inventory"));
  ASSERT_OK(h.AssignRoles("f", "", "g"));  // the Choose step allows it
}

v1::SessionRecord PreviousIntervision() {
  v1::SessionRecord record;
  record.set_session("organizations/acme/teams/t1/sessions/s0");
  record.set_protocol_id("intervision");
  record.set_facilitator("f");
  record.set_case_owner("g");
  return record;
}

TEST(AssignRoles, RotationRefusesLastSessionsChairAndCaseGiver) {
  EngineHarness h;
  h.SetPreviousRecord(PreviousIntervision());
  ASSERT_OK(h.Create("intervision"));
  for (const char* s : {"f", "g", "m1"}) ASSERT_OK(h.Join(s));
  const absl::Status chair = h.AssignRoles("creator", "f", "");
  EXPECT_REFUSED(chair, kFailedPrecondition, "ROTATION_VIOLATION");
  EXPECT_EQ(GetErrorInfo(chair)->metadata().at("role"), "FACILITATOR");
  EXPECT_EQ(GetErrorInfo(chair)->metadata().at("previous_session"),
            "organizations/acme/teams/t1/sessions/s0");
  ASSERT_OK(h.AssignRoles("creator", "m1", ""));
  EXPECT_REFUSED(h.AssignRoles("m1", "", "g"), kFailedPrecondition, "ROTATION_VIOLATION");
  ASSERT_OK(h.AssignRoles("m1", "", "f"));
}

TEST(AssignRoles, RotationOverrideNeedsAReasonAndIsRecorded) {
  EngineHarness h;
  h.SetPreviousRecord(PreviousIntervision());
  ASSERT_OK(h.Create("intervision"));
  ASSERT_OK(h.Join("f"));
  v1::SessionCommand command;
  command.mutable_assign_roles()->set_request_id("r-x");
  command.mutable_assign_roles()->set_facilitator("f");
  command.mutable_assign_roles()->set_override_rotation(true);
  EXPECT_REFUSED(h.Do(command, "creator"), kInvalidArgument, "OVERRIDE_REASON_REQUIRED");
  ASSERT_OK(h.AssignRoles("creator", "f", "", "only three of us today"));
  ASSERT_EQ(h.session().rotation_overrides_size(), 1);
  const v1::RotationOverride& recorded = h.session().rotation_overrides(0);
  EXPECT_EQ(recorded.role(), v1::SESSION_ROLE_FACILITATOR);
  EXPECT_EQ(recorded.subject(), "f");
  EXPECT_EQ(recorded.reason(), "only three of us today");
  EXPECT_EQ(recorded.actor(), "creator");
}

TEST(StartSession, OnlyTheFacilitatorWithTheRequiredRolesAndMembers) {
  EngineHarness h;
  ASSERT_OK(h.Create("balint-consultation"));
  EXPECT_REFUSED(h.Start("creator"), kPermissionDenied, "PARTICIPANT_REQUIRED");
  for (const char* s : {"f", "o", "m1", "m2"}) {
    ASSERT_OK(h.Join(s));
    ASSERT_OK(h.Acknowledge(s));
  }
  ASSERT_OK(h.AssignRoles("creator", "f", ""));
  EXPECT_REFUSED(h.Start("m1"), kPermissionDenied, "FACILITATOR_REQUIRED");
  EXPECT_REFUSED(h.Start("f"), kFailedPrecondition, "ROLES_INCOMPLETE");
  ASSERT_OK(h.AssignRoles("f", "", "o"));
  EXPECT_REFUSED(h.Start("f"), kFailedPrecondition, "PARTICIPANT_LIMIT");  // 2 of 3 members
  ASSERT_OK(h.Join("m3"));
  ASSERT_OK(h.Start("f"));
  EXPECT_EQ(h.session().state(), v1::SESSION_STATE_IN_PROGRESS);
  EXPECT_EQ(h.current_phase(), "case_description");
  EXPECT_EQ(ToTime(h.session().current_phase().deadline()), h.now() + absl::Minutes(15));
  EXPECT_REFUSED(h.Start("f"), kFailedPrecondition, "SESSION_STATE_INVALID");
}

TEST(StartSession, FacilitatorAndCaseOwnerAcknowledgeTheAgreementsFirst) {
  EngineHarness h;
  ASSERT_OK(h.Create("balint-consultation"));
  for (const char* s : {"f", "o", "m1", "m2", "m3"}) ASSERT_OK(h.Join(s));
  ASSERT_OK(h.AssignRoles("creator", "f", "o"));
  EXPECT_REFUSED(h.Start("f"), kFailedPrecondition, "AGREEMENTS_NOT_ACKNOWLEDGED");
  ASSERT_OK(h.Acknowledge("f"));
  EXPECT_REFUSED(h.Start("f"), kFailedPrecondition, "AGREEMENTS_NOT_ACKNOWLEDGED");
  ASSERT_OK(h.Acknowledge("o"));
  ASSERT_OK(h.Start("f"));
}

TEST(StartSession, RequestIdIsRequired) {
  EngineHarness h;
  ASSERT_OK(BalintLobby(h));
  v1::SessionCommand command;
  command.mutable_start_session();
  EXPECT_REFUSED(h.Do(command, "f"), kInvalidArgument, "FIELD_INVALID");
}

}  // namespace
}  // namespace casework::session::testing
