// Random plausible commands for the model-based test and the fuzzer.
#include "libs/session_engine/testing/command_generator.h"

#include "absl/strings/str_cat.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/time_util.h"

namespace casework::session::testing {
namespace {

const std::vector<std::string>& People() {
  static const auto* people = new std::vector<std::string>{"f", "o", "m1", "m2", "m3", "m4", "x"};
  return *people;
}

std::string RequestId(int counter) { return absl::StrCat("q-", counter); }

std::string Participant(const v1::Session& session, ChoiceSource& choices) {
  if (session.participants().empty() || choices.Chance(10)) return choices.Pick(People());
  return session.participants(static_cast<int>(choices.Next(session.participants_size())))
      .subject();
}

// The facilitator most of the time; otherwise anyone.
std::string Chair(const v1::Session& session, ChoiceSource& choices) {
  if (!session.facilitator().empty() && choices.Chance(85)) return session.facilitator();
  return Participant(session, choices);
}

std::string Text(ChoiceSource& choices, int counter) {
  const std::string m = Marker(counter);
  switch (choices.Next(9)) {
    case 0:
      return absl::StrCat("Is ", m, " safe?");
    case 1:
      return absl::StrCat("Have you tried ", m, "?");
    case 2:
      return absl::StrCat("Mail ", m, "@example.org");
    case 3:
      return choices.Chance(50) ? "" : std::string(4100, 'a');
    case 4:
      return absl::StrCat("Why did ", m, " happen?");
    default:
      return absl::StrCat("Thought ", m, " about the case");
  }
}

v1::ContributionKind PickKind(const v1::SessionSnapshot& state, const std::string& author,
                              ChoiceSource& choices) {
  const v1::PhaseTemplate* phase = CurrentPhaseTemplate(state);
  if (phase != nullptr && choices.Chance(80)) {
    std::vector<v1::ContributionKind> granted;
    for (const v1::PhasePermission* p : PermissionsFor(*phase, RolesOf(state.session(), author))) {
      for (const auto kind : p->kinds()) granted.push_back(static_cast<v1::ContributionKind>(kind));
    }
    if (!granted.empty()) return choices.Pick(granted);
  }
  return static_cast<v1::ContributionKind>(1 + choices.Next(19));
}

std::string SomeContribution(const v1::Session& session, ChoiceSource& choices,
                             v1::ContributionKind wanted) {
  std::vector<std::string> names;
  for (const v1::Contribution& c : session.contributions()) {
    if (wanted == v1::CONTRIBUTION_KIND_UNSPECIFIED || c.kind() == wanted)
      names.push_back(c.name());
  }
  return names.empty() ? "" : choices.Pick(names);
}

void AddContribution(const v1::SessionSnapshot& state, ChoiceSource& choices, absl::Time now,
                     int counter, Step* step) {
  const v1::Session& s = state.session();
  step->subject = Participant(s, choices);
  v1::AddContributionRequest* request = step->command.mutable_add_contribution();
  request->set_request_id(RequestId(counter));
  std::string author = step->subject;
  if (!s.facilitator().empty() && choices.Chance(10)) {
    request->set_on_behalf_of(author);
    step->subject = s.facilitator();
  }
  v1::Contribution* c = request->mutable_contribution();
  c->set_kind(PickKind(state, author, choices));
  c->set_text(Text(choices, counter));
  std::string reference;
  if (c->kind() == v1::CONTRIBUTION_KIND_IDEA && !s.case_owner_questions().empty()) {
    reference =
        s.case_owner_questions(static_cast<int>(choices.Next(s.case_owner_questions_size())));
  } else if (c->kind() == v1::CONTRIBUTION_KIND_ANSWER) {
    reference = SomeContribution(s, choices, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION);
  } else if (choices.Chance(20)) {
    reference = SomeContribution(s, choices, v1::CONTRIBUTION_KIND_UNSPECIFIED);
  }
  if (!reference.empty() && choices.Chance(90)) c->add_references(reference);
  if (c->kind() == v1::CONTRIBUTION_KIND_CHECK_IN) {
    c->mutable_check_in()->set_success(absl::StrCat("Success ", Marker(counter)));
    c->mutable_check_in()->set_challenge(choices.Chance(10) ? "Call 0612345678" : "A challenge");
  }
  if (c->kind() == v1::CONTRIBUTION_KIND_ACTION_ITEM) {
    c->mutable_action_item()->set_owner(author);
    c->mutable_action_item()->set_owner_role(v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
    *c->mutable_action_item()->mutable_due_time() =
        ToTimestamp(now + absl::Hours(choices.Chance(90) ? 48 : -1));
  }
}

void Lobby(const v1::SessionSnapshot& state, ChoiceSource& choices, int counter, Step* step) {
  const v1::Session& s = state.session();
  const uint64_t r = choices.Next(100);
  if (r < 35) {
    step->subject = choices.Pick(People());
    step->command.mutable_join_session()->set_request_id(RequestId(counter));
  } else if (r < 55) {
    step->subject = Participant(s, choices);
    auto* request = step->command.mutable_acknowledge_agreements();
    request->set_request_id(RequestId(counter));
    for (const v1::AgreementTemplate& agreement : state.protocol().agreements()) {
      if (choices.Chance(97)) request->add_agreements(agreement.agreement());
    }
  } else if (r < 75) {
    step->subject = s.facilitator().empty() ? s.creator() : Chair(s, choices);
    auto* request = step->command.mutable_assign_roles();
    request->set_request_id(RequestId(counter));
    request->set_facilitator(choices.Chance(70) ? "f" : Participant(s, choices));
    if (choices.Chance(75))
      request->set_case_owner(choices.Chance(70) ? "o" : Participant(s, choices));
    if (choices.Chance(20)) {
      request->set_override_rotation(true);
      if (choices.Chance(80)) request->set_override_reason("small group today");
    }
  } else if (r < 95) {
    step->subject = Chair(s, choices);
    step->command.mutable_start_session()->set_request_id(RequestId(counter));
  } else {
    step->subject = s.facilitator().empty() ? s.creator() : Chair(s, choices);
    step->command.mutable_end_session()->set_request_id(RequestId(counter));
    if (choices.Chance(70)) step->command.mutable_end_session()->set_reason("called off");
  }
}

std::string SomePhase(const v1::SessionSnapshot& state, ChoiceSource& choices) {
  const v1::Session& s = state.session();
  if (s.has_current_phase() && choices.Chance(80)) return s.current_phase().phase_id();
  if (s.phases().empty()) return "none";
  return s.phases(static_cast<int>(choices.Next(s.phases_size()))).phase_id();
}

void Running(const v1::SessionSnapshot& state, ChoiceSource& choices, absl::Time now, int counter,
             Step* step) {
  const v1::Session& s = state.session();
  const uint64_t r = choices.Next(100);
  step->subject = Chair(s, choices);
  const v1::PhaseTemplate* phase = CurrentPhaseTemplate(state);
  if (phase != nullptr && phase->role_assignment_allowed() && s.case_owner().empty() &&
      choices.Chance(30)) {
    auto* request = step->command.mutable_assign_roles();  // intervision's "Choose" step
    request->set_request_id(RequestId(counter));
    request->set_case_owner(Participant(s, choices));
  } else if (s.state() == v1::SESSION_STATE_PAUSED && r < 50) {
    step->command.mutable_resume_session()->set_request_id(RequestId(counter));
  } else if (r < 40) {
    AddContribution(state, choices, now, counter, step);
  } else if (r < 55) {
    auto* request = step->command.mutable_advance_phase();
    request->set_request_id(RequestId(counter));
    request->set_expected_phase_id(SomePhase(state, choices));
    if (choices.Chance(35)) {
      request->set_override_exit_criteria(true);
      if (choices.Chance(90)) request->set_override_reason("moving on");
    }
  } else if (r < 62) {
    step->command.mutable_give_turn()->set_request_id(RequestId(counter));
    if (choices.Chance(90))
      step->command.mutable_give_turn()->set_participant(Participant(s, choices));
  } else if (r < 67) {
    step->command.mutable_reveal_contributions()->set_request_id(RequestId(counter));
    const std::string name = SomeContribution(s, choices, v1::CONTRIBUTION_KIND_UNSPECIFIED);
    if (!name.empty() && choices.Chance(50)) {
      step->command.mutable_reveal_contributions()->add_contributions(name);
    }
  } else if (r < 74) {
    step->subject =
        choices.Chance(80) && !s.case_owner().empty() ? s.case_owner() : Participant(s, choices);
    auto* request = step->command.mutable_respond_to_hypothesis();
    request->set_request_id(RequestId(counter));
    request->set_hypothesis(SomeContribution(s, choices, v1::CONTRIBUTION_KIND_HYPOTHESIS));
    request->set_response(choices.Chance(50) ? v1::HYPOTHESIS_RESPONSE_AGREE
                                             : v1::HYPOTHESIS_RESPONSE_DISAGREE);
  } else if (r < 86) {
    step->subject = std::string(kSystemSubject);
    step->command.mutable_tick();
  } else if (r < 89) {
    step->command.mutable_pause_session()->set_request_id(RequestId(counter));
  } else if (r < 92) {
    auto* request = step->command.mutable_extend_phase();
    request->set_request_id(RequestId(counter));
    request->set_expected_phase_id(SomePhase(state, choices));
    *request->mutable_extension() = ToProtoDuration(absl::Minutes(1 + choices.Next(10)));
  } else if (r < 95) {
    auto* request = step->command.mutable_assign_roles();
    request->set_request_id(RequestId(counter));
    request->set_case_owner(Participant(s, choices));
  } else if (r < 96) {
    step->subject = choices.Pick(People());
    step->command.mutable_join_session()->set_request_id(RequestId(counter));
  } else if (r < 98) {
    step->subject = Participant(s, choices);
    auto* request = step->command.mutable_acknowledge_agreements();
    request->set_request_id(RequestId(counter));
    for (const v1::AgreementTemplate& agreement : state.protocol().agreements()) {
      request->add_agreements(agreement.agreement());
    }
  } else {
    step->command.mutable_end_session()->set_request_id(RequestId(counter));
    if (choices.Chance(70)) step->command.mutable_end_session()->set_reason("out of time");
  }
}

// What the session service would fetch before deciding.
void AddFacts(const v1::SessionSnapshot& state, ChoiceSource& choices,
              v1::SessionCommand* command) {
  v1::CommandFacts* facts = command->mutable_facts();
  if (command->has_assign_roles()) {
    for (const std::string& person : People()) {
      if (person == "x") continue;
      v1::TeamMember* member = facts->add_team_members();
      member->set_subject(person);
      for (auto role :
           {v1::TEAM_ROLE_SUPERVISOR, v1::TEAM_ROLE_CASEWORKER, v1::TEAM_ROLE_FACILITATOR}) {
        member->add_roles(role);
      }
    }
    if (choices.Chance(30)) {
      v1::SessionRecord* previous = facts->mutable_previous_session_record();
      previous->set_session("organizations/acme/teams/t1/sessions/s0");
      previous->set_protocol_id(state.session().protocol_id());
      previous->set_facilitator("f");
      previous->set_case_owner("o");
    }
  }
  if ((command->has_start_session() || command->has_advance_phase()) && !choices.Chance(3)) {
    *facts->mutable_case_load_review() = SampleCaseLoadReview();
  }
}

// Now and then a field a client should never send: unknown enum numbers, negative or huge
// durations, timestamps far away.
void Corrupt(ChoiceSource& choices, v1::SessionCommand* command) {
  switch (choices.Next(5)) {
    case 0:
      if (command->has_add_contribution()) {
        command->mutable_add_contribution()->mutable_contribution()->set_kind(
            static_cast<v1::ContributionKind>(choices.Next(40)));
      }
      break;
    case 1:
      if (command->has_extend_phase()) {
        command->mutable_extend_phase()->mutable_extension()->set_seconds(
            static_cast<int64_t>(choices.Next(UINT64_MAX)));
      }
      break;
    case 2:
      if (command->has_respond_to_hypothesis()) {
        command->mutable_respond_to_hypothesis()->set_response(
            static_cast<v1::HypothesisResponse>(choices.Next(9)));
      }
      break;
    case 3:
      if (command->has_acknowledge_agreements()) {
        command->mutable_acknowledge_agreements()->add_agreements(
            static_cast<v1::Agreement>(choices.Next(12)));
      }
      break;
    default:
      command->clear_facts();
      break;
  }
}

}  // namespace

uint64_t ByteChoices::Next(uint64_t bound) {
  if (bound <= 1) return 0;
  uint64_t value = 0;
  for (uint64_t range = 1; range < bound && position_ < size_; range <<= 8) {
    value = (value << 8) | data_[position_++];
    if (range > (UINT64_MAX >> 8)) break;
  }
  return value % bound;
}

std::string Marker(int n) { return absl::StrCat("zq", n, "z"); }

Step CreateStep(ChoiceSource& choices, absl::Time now) {
  static const std::vector<std::pair<std::string, v1::ExtendedSegment>> kChoices = [] {
    std::vector<std::pair<std::string, v1::ExtendedSegment>> out;
    out.push_back({"balint-consultation", {}});
    out.push_back({"intervision", {}});
    out.push_back({"case-management-meeting", {}});
    for (const char* inner : {"", "balint-consultation", "intervision"}) {
      v1::ExtendedSegment segment;
      segment.set_kind(inner[0] == '\0' ? v1::EXTENDED_SEGMENT_KIND_TOPICAL_SESSION
                                        : v1::EXTENDED_SEGMENT_KIND_CASE_DISCUSSION);
      segment.set_title("This month");
      segment.set_case_discussion_protocol_id(inner);
      out.push_back({"extended-case-management-meeting", segment});
    }
    return out;
  }();
  const auto& [protocol_id, segment] = choices.Pick(kChoices);
  Step step;
  step.subject.assign(1, 'f');  // (operator= trips a GCC 12 -Wrestrict false positive)
  v1::CreateSessionRequest* create = step.command.mutable_create_session();
  create->set_request_id("q-create");
  create->mutable_session()->set_protocol_id(protocol_id);
  *create->mutable_session()->mutable_scheduled_start_time() = ToTimestamp(now);
  if (segment.kind() != v1::EXTENDED_SEGMENT_KIND_UNSPECIFIED) {
    *create->mutable_session()->mutable_extended_segment() = segment;
  }
  if (choices.Chance(50)) {  // short timeboxes, so deadlines pass within a run
    v1::SessionTimingOverrides* overrides = create->mutable_session()->mutable_timing_overrides();
    *overrides->mutable_default_timebox() = ToProtoDuration(absl::Minutes(3));
    *overrides->mutable_time_warning_lead() = ToProtoDuration(absl::Minutes(1));
  }
  step.command.mutable_facts()->set_session_name(std::string(kSessionName));
  if (!BuiltInProtocols().FillCreateFacts(*create, step.command.mutable_facts()).ok()) {
    step.command.clear_facts();
  }
  return step;
}

Step NextStep(const v1::SessionSnapshot& state, ChoiceSource& choices, absl::Time now,
              int counter) {
  Step step;
  step.clock_advance =
      choices.Chance(10) ? absl::Minutes(choices.Next(20)) : absl::Seconds(choices.Next(90));
  const v1::Session& s = state.session();
  switch (s.state()) {
    case v1::SESSION_STATE_SCHEDULED:
    case v1::SESSION_STATE_LOBBY:
      Lobby(state, choices, counter, &step);
      break;
    case v1::SESSION_STATE_IN_PROGRESS:
    case v1::SESSION_STATE_PAUSED:
      Running(state, choices, now + step.clock_advance, counter, &step);
      break;
    default:
      step.subject = choices.Chance(80) ? std::string(kSystemSubject) : "f";
      step.command.mutable_mark_record_stored()->set_session_record(
          choices.Chance(90) ? "organizations/acme/teams/t1/sessionRecords/s1" : "other");
      break;
  }
  AddFacts(state, choices, &step.command);
  if (choices.Chance(3)) Corrupt(choices, &step.command);
  return step;
}

}  // namespace casework::session::testing
