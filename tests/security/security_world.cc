// The seeded world of the security tests and a well-formed request for every RPC.
#include "tests/security/security_world.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/records/domain/proto_time.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;
using google::protobuf::Message;
using records::ToProtoTime;
using Stub = v1::RecordsService::Stub;

template <typename Request>
std::unique_ptr<Message> Own(Request request) {
  return std::make_unique<Request>(std::move(request));
}

template <typename Request, typename Response>
std::string EtagOf(Stub& stub,
                   grpc::Status (Stub::*get)(grpc::ClientContext*, const Request&, Response*),
                   const std::string& name) {
  Request request;
  request.set_name(name);
  Response response;
  grpc::Status status = Call(stub, get, SupervisorToken("o1"), request, &response);
  EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
  return response.etag();
}

void AddSessionBuilders(std::map<std::string, RequestBuilder>& rows) {
  const std::string s = "/casework.v1.SessionService/";
  rows[s + "GetProtocol"] = [](const World& w) {
    v1::GetProtocolRequest r;
    r.set_name(w.org_name + "/protocols/balint-consultation");
    return Own(r);
  };
  rows[s + "ListProtocols"] = [](const World& w) {
    v1::ListProtocolsRequest r;
    r.set_parent(w.org_name);
    return Own(r);
  };
  rows[s + "CreateSession"] = [](const World& w) {
    v1::CreateSessionRequest r;
    r.set_parent(w.team);
    r.mutable_session()->set_protocol_id("balint-consultation");
    *r.mutable_session()->mutable_scheduled_start_time() = ToProtoTime(absl::Now());
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "GetSession"] = [](const World& w) {
    v1::GetSessionRequest r;
    r.set_name(w.session);
    r.set_view(v1::SESSION_VIEW_FULL);
    return Own(r);
  };
  rows[s + "ListSessions"] = [](const World& w) {
    v1::ListSessionsRequest r;
    r.set_parent(w.team);
    return Own(r);
  };
  rows[s + "JoinSession"] = [](const World& w) {
    v1::JoinSessionRequest r;
    r.set_name(w.session);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "AcknowledgeAgreements"] = [](const World& w) {
    v1::AcknowledgeAgreementsRequest r;
    r.set_name(w.session);
    r.add_agreements(v1::AGREEMENT_CONFIDENTIALITY);
    r.add_agreements(v1::AGREEMENT_DIALOGUE);
    r.add_agreements(v1::AGREEMENT_INCLUSION);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "AssignRoles"] = [](const World& w) {
    v1::AssignRolesRequest r;
    r.set_name(w.session);
    r.set_facilitator(kFacilitator);
    r.set_case_owner(kCaseworker);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "StartSession"] = [](const World& w) {
    v1::StartSessionRequest r;
    r.set_name(w.session);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "AdvancePhase"] = [](const World& w) {
    v1::AdvancePhaseRequest r;
    r.set_name(w.session);
    r.set_expected_phase_id(w.phase);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "ExtendPhase"] = [](const World& w) {
    v1::ExtendPhaseRequest r;
    r.set_name(w.session);
    r.set_expected_phase_id(w.phase);
    r.mutable_extension()->set_seconds(60);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "AddContribution"] = [](const World& w) {
    v1::AddContributionRequest r;
    r.set_name(w.session);
    r.mutable_contribution()->set_kind(v1::CONTRIBUTION_KIND_HYPOTHESIS);
    r.mutable_contribution()->set_text("Perhaps the family feels watched");
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "RespondToHypothesis"] = [](const World& w) {
    v1::RespondToHypothesisRequest r;
    r.set_name(w.session);
    r.set_hypothesis(w.hypothesis);
    r.set_response(v1::HYPOTHESIS_RESPONSE_AGREE);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "GiveTurn"] = [](const World& w) {
    v1::GiveTurnRequest r;
    r.set_name(w.session);
    r.set_participant(kOtherCaseworker);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "RevealContributions"] = [](const World& w) {
    v1::RevealContributionsRequest r;
    r.set_name(w.session);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "PauseSession"] = [](const World& w) {
    v1::PauseSessionRequest r;
    r.set_name(w.session);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "ResumeSession"] = [](const World& w) {
    v1::ResumeSessionRequest r;
    r.set_name(w.session);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "EndSession"] = [](const World& w) {
    v1::EndSessionRequest r;
    r.set_name(w.session);
    r.set_reason("time is up");
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "ListContributions"] = [](const World& w) {
    v1::ListContributionsRequest r;
    r.set_parent(w.session);
    return Own(r);
  };
  rows[s + "ListSessionEvents"] = [](const World& w) {
    v1::ListSessionEventsRequest r;
    r.set_parent(w.session);
    return Own(r);
  };
  rows[s + "CastReleaseVote"] = [](const World& w) {
    v1::CastReleaseVoteRequest r;
    r.set_name(w.session);
    r.set_choice(v1::RELEASE_CHOICE_AGREE);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
}

void AddTeamAndCaseBuilders(std::map<std::string, RequestBuilder>& rows) {
  const std::string s = "/casework.v1.RecordsService/";
  rows[s + "CreateTeam"] = [](const World& w) {
    v1::CreateTeamRequest r;
    r.set_parent(w.org_name);
    r.set_team_id("probe-team");
    r.mutable_team()->set_display_name("Probe team");
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "GetTeam"] = [](const World& w) {
    v1::GetTeamRequest r;
    r.set_name(w.team);
    return Own(r);
  };
  rows[s + "ListTeams"] = [](const World& w) {
    v1::ListTeamsRequest r;
    r.set_parent(w.org_name);
    return Own(r);
  };
  rows[s + "UpdateTeam"] = [](const World& w) {
    v1::UpdateTeamRequest r;
    r.mutable_team()->set_name(w.team);
    r.mutable_team()->set_etag(w.team_etag);
    r.mutable_team()->set_display_name("Renamed by a probe");
    r.mutable_update_mask()->add_paths("display_name");
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "CreateCase"] = [](const World& w) {
    v1::CreateCaseRequest r;
    r.set_parent(w.team);
    r.mutable_case_()->set_reference("probe-ref");
    r.mutable_case_()->set_risk_level(v1::RISK_LEVEL_LOW);
    r.mutable_case_()->set_caseworker(kCaseworker);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "GetCase"] = [](const World& w) {
    v1::GetCaseRequest r;
    r.set_name(w.case_name);
    return Own(r);
  };
  rows[s + "ListCases"] = [](const World& w) {
    v1::ListCasesRequest r;
    r.set_parent(w.team);
    return Own(r);
  };
  rows[s + "UpdateCase"] = [](const World& w) {
    v1::UpdateCaseRequest r;
    r.mutable_case_()->set_name(w.case_name);
    r.mutable_case_()->set_etag(w.case_etag);
    r.mutable_case_()->set_risk_level(v1::RISK_LEVEL_HIGH);
    r.mutable_update_mask()->add_paths("risk_level");
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "AdvanceCaseStage"] = [](const World& w) {
    v1::AdvanceCaseStageRequest r;
    r.set_name(w.case_name);
    r.set_direction(v1::STAGE_DIRECTION_FORWARD);
    r.set_etag(w.case_etag);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "CloseCase"] = [](const World& w) {
    v1::CloseCaseRequest r;
    r.set_name(w.case_name);
    r.set_close_reason("moved away");
    r.set_etag(w.case_etag);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "CreateGoal"] = [](const World& w) {
    v1::CreateGoalRequest r;
    r.set_parent(w.case_name);
    r.mutable_goal()->set_description("A probe goal");
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "GetGoal"] = [](const World& w) {
    v1::GetGoalRequest r;
    r.set_name(w.goal);
    return Own(r);
  };
  rows[s + "ListGoals"] = [](const World& w) {
    v1::ListGoalsRequest r;
    r.set_parent(w.case_name);
    return Own(r);
  };
  rows[s + "UpdateGoal"] = [](const World& w) {
    v1::UpdateGoalRequest r;
    r.mutable_goal()->set_name(w.goal);
    r.mutable_goal()->set_etag(w.goal_etag);
    r.mutable_goal()->set_review_note("reviewed by a probe");
    r.mutable_update_mask()->add_paths("review_note");
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "CreateBenefitIndicator"] = [](const World& w) {
    v1::CreateBenefitIndicatorRequest r;
    r.set_parent(w.case_name);
    r.mutable_benefit_indicator()->set_description("A probe indicator");
    r.mutable_benefit_indicator()->set_unit("score");
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "GetBenefitIndicator"] = [](const World& w) {
    v1::GetBenefitIndicatorRequest r;
    r.set_name(w.indicator);
    return Own(r);
  };
  rows[s + "ListBenefitIndicators"] = [](const World& w) {
    v1::ListBenefitIndicatorsRequest r;
    r.set_parent(w.case_name);
    return Own(r);
  };
  rows[s + "RecordMeasurement"] = [](const World& w) {
    v1::RecordMeasurementRequest r;
    r.set_name(w.indicator);
    r.mutable_measurement()->set_value(3);
    *r.mutable_measurement()->mutable_measure_time() = ToProtoTime(absl::Now());
    r.set_etag(w.indicator_etag);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
}

void AddMeetingAndRecordBuilders(std::map<std::string, RequestBuilder>& rows) {
  const std::string s = "/casework.v1.RecordsService/";
  rows[s + "CreateMeeting"] = [](const World& w) {
    v1::CreateMeetingRequest r;
    r.set_parent(w.team);
    r.mutable_meeting()->set_kind(v1::MEETING_KIND_REGULAR);
    *r.mutable_meeting()->mutable_scheduled_time() = ToProtoTime(absl::Now() + absl::Hours(24));
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "GetMeeting"] = [](const World& w) {
    v1::GetMeetingRequest r;
    r.set_name(w.meeting);
    return Own(r);
  };
  rows[s + "ListMeetings"] = [](const World& w) {
    v1::ListMeetingsRequest r;
    r.set_parent(w.team);
    return Own(r);
  };
  rows[s + "UpdateMeeting"] = [](const World& w) {
    v1::UpdateMeetingRequest r;
    r.mutable_meeting()->set_name(w.meeting);
    r.mutable_meeting()->set_etag(w.meeting_etag);
    *r.mutable_meeting()->mutable_scheduled_time() = ToProtoTime(absl::Now() + absl::Hours(48));
    r.mutable_update_mask()->add_paths("scheduled_time");
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "AttachCaseLoadReview"] = [](const World& w) {
    v1::AttachCaseLoadReviewRequest r;
    r.set_name(w.meeting);
    r.set_etag(w.meeting_etag);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "CreateActionItem"] = [](const World& w) {
    v1::CreateActionItemRequest r;
    r.set_parent(w.team);
    r.mutable_action_item()->set_owner(kCaseworker);
    r.mutable_action_item()->set_owner_role(v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
    r.mutable_action_item()->set_text("A probe action");
    *r.mutable_action_item()->mutable_due_time() = ToProtoTime(absl::Now() + absl::Hours(24));
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "GetActionItem"] = [](const World& w) {
    v1::GetActionItemRequest r;
    r.set_name(w.action_item);
    return Own(r);
  };
  rows[s + "ListActionItems"] = [](const World& w) {
    v1::ListActionItemsRequest r;
    r.set_parent(w.team);
    return Own(r);
  };
  rows[s + "UpdateActionItem"] = [](const World& w) {
    v1::UpdateActionItemRequest r;
    r.mutable_action_item()->set_name(w.action_item);
    r.mutable_action_item()->set_etag(w.action_item_etag);
    r.mutable_action_item()->set_text("Changed by a probe");
    r.mutable_update_mask()->add_paths("text");
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "DeleteActionItem"] = [](const World& w) {
    v1::DeleteActionItemRequest r;
    r.set_name(w.action_item);
    r.set_etag(w.action_item_etag);
    r.set_request_id(NewRequestId());
    return Own(r);
  };
  rows[s + "CreateSessionRecord"] = [](const World& w) {
    v1::CreateSessionRecordRequest r;
    r.set_parent(w.team);
    r.set_session_record_id("s2");
    r.set_request_id("s2");
    r.mutable_session_record()->set_session(w.team + "/sessions/s2");
    r.mutable_session_record()->set_protocol_id("intervision");
    r.mutable_session_record()->set_final_state(v1::SESSION_STATE_ENDED);
    r.mutable_session_record()->set_facilitator(kFacilitator);
    r.mutable_session_record()->add_participants(kFacilitator);
    *r.mutable_session_record()->mutable_end_time() = ToProtoTime(absl::Now());
    return Own(r);
  };
  rows[s + "GetSessionRecord"] = [](const World& w) {
    v1::GetSessionRecordRequest r;
    r.set_name(w.session_record);
    return Own(r);
  };
  rows[s + "ListSessionRecords"] = [](const World& w) {
    v1::ListSessionRecordsRequest r;
    r.set_parent(w.team);
    return Own(r);
  };
  rows[s + "GetCaseLoadReview"] = [](const World& w) {
    v1::GetCaseLoadReviewRequest r;
    r.set_name(w.team + "/caseLoadReview");
    return Own(r);
  };
  rows[s + "ListAuditEntries"] = [](const World& w) {
    v1::ListAuditEntriesRequest r;
    r.set_parent(w.org_name);
    return Own(r);
  };
  rows[s + "AppendAuditEntries"] = [](const World& w) {
    v1::AppendAuditEntriesRequest r;
    r.set_parent(w.org_name);
    v1::AuditEntry* entry = r.add_audit_entries();
    entry->set_actor(kAppendedActor);
    entry->set_organization(w.org);
    entry->set_method("/casework.v1.SessionService/GetSession");
    entry->set_resource(w.session);
    entry->set_outcome(google::rpc::OK);
    *entry->mutable_finish_time() = ToProtoTime(absl::Now());
    r.set_request_id(NewRequestId());
    return Own(r);
  };
}

void AddRetentionBuilders(std::map<std::string, RequestBuilder>& rows) {
  const std::string s = "/casework.v1.RecordsService/";
  rows[s + "GetRetentionPolicy"] = [](const World& w) {
    v1::GetRetentionPolicyRequest r;
    r.set_name(w.retention_policy);
    return Own(r);
  };
  rows[s + "UpdateRetentionPolicy"] = [](const World& w) {
    v1::UpdateRetentionPolicyRequest r;
    r.mutable_retention_policy()->set_name(w.retention_policy);
    r.mutable_retention_policy()->set_etag(w.retention_policy_etag);
    r.mutable_retention_policy()->mutable_closed_case_retention()->set_seconds(3650 * 86400);
    r.mutable_update_mask()->add_paths("closed_case_retention");
    r.set_request_id(NewRequestId());
    return Own(r);
  };
}

void AddNotificationBuilders(std::map<std::string, RequestBuilder>& rows) {
  const std::string s = "/casework.v1.NotificationService/";
  rows[s + "WatchSession"] = [](const World& w) {
    v1::WatchSessionRequest r;
    r.set_session(w.session);
    return Own(r);
  };
  rows[s + "WatchOrganization"] = [](const World& w) {
    v1::WatchOrganizationRequest r;
    r.set_parent(w.org_name);
    return Own(r);
  };
}

}  // namespace

World WorldNames(const std::string& org) {
  World w;
  w.org = org;
  w.org_name = absl::StrCat("organizations/", org);
  w.team = w.org_name + "/teams/t1";
  w.case_name = w.team + "/cases/c1";
  w.goal = w.case_name + "/goals/g1";
  w.indicator = w.case_name + "/benefitIndicators/b1";
  w.meeting = w.team + "/meetings/m1";
  w.action_item = w.team + "/actionItems/a1";
  w.session_record = w.team + "/sessionRecords/s1";
  w.retention_policy = w.org_name + "/retentionPolicy";
  return w;
}

World SeedWorld(SecurityStack& stack) {
  World w = WorldNames(kOrg);
  Stub& records = stack.records_stub();
  SeedRecordsWorld(records, kOrg);
  w.team_etag = EtagOf(records, &Stub::GetTeam, w.team);
  w.case_etag = EtagOf(records, &Stub::GetCase, w.case_name);
  w.goal_etag = EtagOf(records, &Stub::GetGoal, w.goal);
  w.indicator_etag = EtagOf(records, &Stub::GetBenefitIndicator, w.indicator);
  w.meeting_etag = EtagOf(records, &Stub::GetMeeting, w.meeting);
  w.action_item_etag = EtagOf(records, &Stub::GetActionItem, w.action_item);
  {  // read by its admin: a supervisor may not
    v1::GetRetentionPolicyRequest get;
    get.set_name(w.retention_policy);
    v1::RetentionPolicy policy;
    grpc::Status status = Call(records, &Stub::GetRetentionPolicy, AdminToken(kOrg), get, &policy);
    EXPECT_TRUE(status.ok()) << status.error_message();
    w.retention_policy_etag = policy.etag();
  }

  SessionDriver s(&stack.session_stub());
  EXPECT_GRPC_OK(s.Create(kFacilitator, "balint-consultation"));
  EXPECT_GRPC_OK(
      s.Lobby(kFacilitator, kFacilitator, kCaseworker, {kOtherCaseworker, kMember, kSupervisor}));
  EXPECT_GRPC_OK(s.Start(kFacilitator));
  EXPECT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_CASE_STATEMENT, "A family went quiet"));
  EXPECT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_QUESTION, "How do I reconnect?"));
  EXPECT_GRPC_OK(s.Advance(kFacilitator, "case_description"));
  EXPECT_GRPC_OK(s.Add(kMember, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "When did it start?"));
  EXPECT_GRPC_OK(s.Advance(kFacilitator, "questions"));
  EXPECT_GRPC_OK(s.Add(kOtherCaseworker, v1::CONTRIBUTION_KIND_HYPOTHESIS, "They feel judged"));
  w.session = s.name();
  w.hypothesis = s.last_contribution();
  w.phase = s.Get(kFacilitator).current_phase().phase_id();

  // An intervision of three, chaired by cw-2 (fac-1 chaired the seeded record's session, and the
  // chair rotates): the supervisor and mem-1 are team members, not participants.
  SessionDriver p(&stack.session_stub());
  EXPECT_GRPC_OK(p.Create(kOtherCaseworker, "intervision"));
  EXPECT_GRPC_OK(p.Lobby(kOtherCaseworker, kOtherCaseworker, "", {kCaseworker, kFacilitator}));
  EXPECT_GRPC_OK(p.Start(kOtherCaseworker));
  EXPECT_GRPC_OK(p.Add(kCaseworker, v1::CONTRIBUTION_KIND_CASE_STATEMENT, "A family went quiet"));
  w.private_session = p.name();
  w.private_phase = p.Get(kOtherCaseworker).current_phase().phase_id();
  return w;
}

const std::map<std::string, RequestBuilder>& RequestBuilders() {
  static const auto* rows = [] {
    auto* built = new std::map<std::string, RequestBuilder>;
    AddSessionBuilders(*built);
    AddTeamAndCaseBuilders(*built);
    AddMeetingAndRecordBuilders(*built);
    AddRetentionBuilders(*built);
    AddNotificationBuilders(*built);
    return built;
  }();
  return *rows;
}

std::vector<Caller> CallersOf(const std::string& org) {
  return {{"admin", AdminToken(org)},
          {"auditor", AuditorToken(org)},
          {"supervisor", SupervisorToken(org)},
          {"caseworker", CaseworkerToken(org)},
          {"other caseworker", OtherCaseworkerToken(org)},
          {"facilitator", FacilitatorToken(org)},
          {"member", MemberToken(org)},
          {"outsider", OutsiderToken(org)},
          {"session-service", SessionServiceToken(org)},
          {"notification-service", NotificationServiceToken(org)}};
}

}  // namespace casework::testing
