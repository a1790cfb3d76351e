// The engine test harness: Decide + Apply with a fake clock, request ids and facts.
#include "libs/session_engine/testing/engine_harness.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/status_macros.h"

namespace casework::session::testing {

std::string ProtocolsDirectory() { return std::string(CASEWORK_SOURCE_DIR) + "/protocols"; }

const ProtocolRegistry& BuiltInProtocols() {
  static const ProtocolRegistry* registry = [] {
    auto loaded = ProtocolRegistry::LoadDirectory(ProtocolsDirectory());
    if (!loaded.ok()) {
      fprintf(stderr, "cannot load %s: %s\n", ProtocolsDirectory().c_str(),
              loaded.status().ToString().c_str());
      std::abort();
    }
    return new ProtocolRegistry(*std::move(loaded));
  }();
  return *registry;
}

v1::Principal Person(absl::string_view subject) {
  v1::Principal principal;
  principal.set_subject(std::string(subject));
  principal.set_organization("acme");
  return principal;
}

absl::Time StartTime() { return absl::FromUnixSeconds(1893920400); }  // 2030-01-07 09:00 UTC

v1::CaseLoadReview SampleCaseLoadReview() {
  v1::CaseLoadReview review;
  review.set_name("organizations/acme/teams/t1/caseLoadReview");
  review.set_open_cases(12);
  review.set_high_risk_cases(3);
  review.set_stagnating_cases(2);
  review.add_caseworker_loads()->set_open_cases(7);
  review.mutable_caseworker_loads(0)->set_caseworker("someone");
  return review;
}

EngineHarness::EngineHarness() : now_(StartTime()) {}

absl::Status EngineHarness::Create(absl::string_view protocol_id, v1::Session requested,
                                   absl::string_view creator) {
  const v1::ProtocolTemplate* protocol = BuiltInProtocols().Find(protocol_id);
  if (protocol == nullptr) return absl::NotFoundError(absl::StrCat("no protocol ", protocol_id));
  return CreateCustom(*protocol, std::move(requested), creator);
}

absl::Status EngineHarness::CreateCustom(const v1::ProtocolTemplate& protocol,
                                         v1::Session requested, absl::string_view creator) {
  v1::SessionCommand command;
  v1::CreateSessionRequest* create = command.mutable_create_session();
  create->set_parent("organizations/acme/teams/t1");
  create->set_request_id(NextRequestId());
  requested.set_protocol_id(protocol.id());
  *requested.mutable_scheduled_start_time() = ToTimestamp(now_);
  *create->mutable_session() = std::move(requested);
  command.mutable_facts()->set_session_name(std::string(kSessionName));
  *command.mutable_facts()->mutable_protocol() = protocol;
  const std::string& inner = create->session().extended_segment().case_discussion_protocol_id();
  if (const v1::ProtocolTemplate* discussion = BuiltInProtocols().Find(inner)) {
    *command.mutable_facts()->mutable_case_discussion_protocol() = *discussion;
  }
  return Do(std::move(command), creator);
}

void EngineHarness::AddFacts(v1::SessionCommand* command) const {
  v1::CommandFacts* facts = command->mutable_facts();
  if (command->has_assign_roles()) {
    for (const v1::Participant& participant : state_.session().participants()) {
      v1::TeamMember* member = facts->add_team_members();
      member->set_subject(participant.subject());
      auto it = team_roles_.find(participant.subject());
      if (it == team_roles_.end()) {
        member->add_roles(v1::TEAM_ROLE_CASEWORKER);
        member->add_roles(v1::TEAM_ROLE_FACILITATOR);
        member->add_roles(v1::TEAM_ROLE_MEMBER);
      } else {
        for (v1::TeamRole role : it->second) member->add_roles(role);
      }
    }
    if (previous_record_.has_value()) *facts->mutable_previous_session_record() = *previous_record_;
  }
  if ((command->has_start_session() || command->has_advance_phase()) && supply_review_) {
    *facts->mutable_case_load_review() = SampleCaseLoadReview();
  }
}

absl::StatusOr<std::vector<v1::SessionEvent>> EngineHarness::Run(v1::SessionCommand command,
                                                                 absl::string_view subject) {
  AddFacts(&command);
  CASEWORK_ASSIGN_OR_RETURN(std::vector<v1::SessionEvent> events,
                            Decide(state_, command, Person(subject), now_));
  for (const v1::SessionEvent& event : events) {
    CASEWORK_RETURN_IF_ERROR(CheckNextEvent(state_, event));
    ApplyInPlace(&state_, event);
    log_.push_back(event);
  }
  return events;
}

absl::Status EngineHarness::Do(v1::SessionCommand command, absl::string_view subject) {
  return Run(std::move(command), subject).status();
}

absl::Status EngineHarness::Join(absl::string_view subject) {
  v1::SessionCommand command;
  command.mutable_join_session()->set_name(std::string(kSessionName));
  command.mutable_join_session()->set_request_id(NextRequestId());
  return Do(std::move(command), subject);
}

absl::Status EngineHarness::Acknowledge(absl::string_view subject) {
  v1::SessionCommand command;
  auto* request = command.mutable_acknowledge_agreements();
  request->set_name(std::string(kSessionName));
  request->set_request_id(NextRequestId());
  for (const v1::AgreementTemplate& agreement : state_.protocol().agreements()) {
    request->add_agreements(agreement.agreement());
  }
  return Do(std::move(command), subject);
}

absl::Status EngineHarness::AssignRoles(absl::string_view by, absl::string_view facilitator,
                                        absl::string_view case_owner,
                                        absl::string_view override_reason) {
  v1::SessionCommand command;
  auto* request = command.mutable_assign_roles();
  request->set_name(std::string(kSessionName));
  request->set_request_id(NextRequestId());
  request->set_facilitator(std::string(facilitator));
  request->set_case_owner(std::string(case_owner));
  request->set_override_rotation(!override_reason.empty());
  request->set_override_reason(std::string(override_reason));
  return Do(std::move(command), by);
}

absl::Status EngineHarness::Start(absl::string_view by) {
  v1::SessionCommand command;
  command.mutable_start_session()->set_name(std::string(kSessionName));
  command.mutable_start_session()->set_request_id(NextRequestId());
  return Do(std::move(command), by);
}

absl::Status EngineHarness::Advance(absl::string_view by, absl::string_view expected_phase_id,
                                    absl::string_view override_reason) {
  v1::SessionCommand command;
  auto* request = command.mutable_advance_phase();
  request->set_name(std::string(kSessionName));
  request->set_request_id(NextRequestId());
  request->set_expected_phase_id(std::string(expected_phase_id));
  request->set_override_exit_criteria(!override_reason.empty());
  request->set_override_reason(std::string(override_reason));
  return Do(std::move(command), by);
}

absl::Status EngineHarness::AdvanceFromCurrent(absl::string_view by, bool override_criteria) {
  return Advance(by, current_phase(), override_criteria ? "time is up" : "");
}

absl::Status EngineHarness::Extend(absl::string_view by, absl::string_view phase_id,
                                   absl::Duration extension) {
  v1::SessionCommand command;
  auto* request = command.mutable_extend_phase();
  request->set_name(std::string(kSessionName));
  request->set_request_id(NextRequestId());
  request->set_expected_phase_id(std::string(phase_id));
  *request->mutable_extension() = ToProtoDuration(extension);
  return Do(std::move(command), by);
}

absl::Status EngineHarness::Add(absl::string_view subject, v1::ContributionKind kind,
                                absl::string_view text, std::vector<std::string> references,
                                absl::string_view on_behalf_of) {
  v1::SessionCommand command;
  auto* request = command.mutable_add_contribution();
  request->set_name(std::string(kSessionName));
  request->set_request_id(NextRequestId());
  request->set_on_behalf_of(std::string(on_behalf_of));
  request->mutable_contribution()->set_kind(kind);
  request->mutable_contribution()->set_text(std::string(text));
  for (std::string& reference : references) {
    request->mutable_contribution()->add_references(std::move(reference));
  }
  return Do(std::move(command), subject);
}

absl::Status EngineHarness::AddCheckIn(absl::string_view subject, absl::string_view success,
                                       absl::string_view challenge) {
  v1::SessionCommand command;
  auto* request = command.mutable_add_contribution();
  request->set_name(std::string(kSessionName));
  request->set_request_id(NextRequestId());
  request->mutable_contribution()->set_kind(v1::CONTRIBUTION_KIND_CHECK_IN);
  request->mutable_contribution()->mutable_check_in()->set_success(std::string(success));
  request->mutable_contribution()->mutable_check_in()->set_challenge(std::string(challenge));
  return Do(std::move(command), subject);
}

absl::Status EngineHarness::AddActionItem(absl::string_view subject, absl::string_view text,
                                          absl::string_view owner,
                                          v1::ActionItemOwnerRole owner_role,
                                          absl::Duration due_in) {
  v1::SessionCommand command;
  auto* request = command.mutable_add_contribution();
  request->set_name(std::string(kSessionName));
  request->set_request_id(NextRequestId());
  v1::Contribution* c = request->mutable_contribution();
  c->set_kind(v1::CONTRIBUTION_KIND_ACTION_ITEM);
  c->set_text(std::string(text));
  c->mutable_action_item()->set_owner(std::string(owner));
  c->mutable_action_item()->set_owner_role(owner_role);
  *c->mutable_action_item()->mutable_due_time() = ToTimestamp(now_ + due_in);
  return Do(std::move(command), subject);
}

absl::Status EngineHarness::Respond(absl::string_view by, absl::string_view hypothesis,
                                    v1::HypothesisResponse response, absl::string_view comment) {
  v1::SessionCommand command;
  auto* request = command.mutable_respond_to_hypothesis();
  request->set_name(std::string(kSessionName));
  request->set_request_id(NextRequestId());
  request->set_hypothesis(std::string(hypothesis));
  request->set_response(response);
  request->set_comment(std::string(comment));
  return Do(std::move(command), by);
}

absl::Status EngineHarness::GiveTurn(absl::string_view by, absl::string_view participant) {
  v1::SessionCommand command;
  command.mutable_give_turn()->set_name(std::string(kSessionName));
  command.mutable_give_turn()->set_request_id(NextRequestId());
  command.mutable_give_turn()->set_participant(std::string(participant));
  return Do(std::move(command), by);
}

absl::Status EngineHarness::Reveal(absl::string_view by, std::vector<std::string> names) {
  v1::SessionCommand command;
  auto* request = command.mutable_reveal_contributions();
  request->set_name(std::string(kSessionName));
  request->set_request_id(NextRequestId());
  for (std::string& name : names) request->add_contributions(std::move(name));
  return Do(std::move(command), by);
}

absl::Status EngineHarness::Pause(absl::string_view by) {
  v1::SessionCommand command;
  command.mutable_pause_session()->set_name(std::string(kSessionName));
  command.mutable_pause_session()->set_request_id(NextRequestId());
  return Do(std::move(command), by);
}

absl::Status EngineHarness::Resume(absl::string_view by) {
  v1::SessionCommand command;
  command.mutable_resume_session()->set_name(std::string(kSessionName));
  command.mutable_resume_session()->set_request_id(NextRequestId());
  return Do(std::move(command), by);
}

absl::Status EngineHarness::End(absl::string_view by, absl::string_view reason) {
  v1::SessionCommand command;
  command.mutable_end_session()->set_name(std::string(kSessionName));
  command.mutable_end_session()->set_request_id(NextRequestId());
  command.mutable_end_session()->set_reason(std::string(reason));
  return Do(std::move(command), by);
}

absl::StatusOr<std::vector<v1::SessionEvent>> EngineHarness::Tick() {
  v1::SessionCommand command;
  command.mutable_tick();
  return Run(std::move(command), kSystemSubject);
}

absl::Status EngineHarness::MarkStored(absl::string_view record) {
  v1::SessionCommand command;
  command.mutable_mark_record_stored()->set_session_record(std::string(record));
  return Do(std::move(command), kSystemSubject);
}

absl::Status EngineHarness::SetUpLobby(absl::string_view facilitator, absl::string_view case_owner,
                                       const std::vector<std::string>& members) {
  std::vector<std::string> everyone = members;
  everyone.insert(everyone.begin(), std::string(facilitator));
  if (!case_owner.empty()) everyone.insert(everyone.begin() + 1, std::string(case_owner));
  for (const std::string& subject : everyone) {
    CASEWORK_RETURN_IF_ERROR(Join(subject));
    CASEWORK_RETURN_IF_ERROR(Acknowledge(subject));
  }
  return AssignRoles(state_.session().creator(), facilitator, case_owner);
}

std::string EngineHarness::LastContribution() const {
  const auto& contributions = state_.session().contributions();
  return contributions.empty() ? "" : contributions.Get(contributions.size() - 1).name();
}

void EngineHarness::SetTeamRoles(absl::string_view subject, std::vector<v1::TeamRole> roles) {
  team_roles_[std::string(subject)] = std::move(roles);
}

}  // namespace casework::session::testing
