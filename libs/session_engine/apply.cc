// Apply: folds one event into the session snapshot and keeps the derived fields (roles per
// participant, the case owner's questions, the hypotheses summary, the contribution tallies, the
// exit-criteria status, what the session holds against its limits) up to date incrementally: an
// event costs the same at the 5,000th contribution as at the 5th.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/exit_criteria.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/session_limits.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;
using google::protobuf::Timestamp;

v1::SessionPhase* PhaseAt(v1::Session* session, int index) {
  if (index < 1 || index > session->phases_size()) return nullptr;
  return session->mutable_phases(index - 1);
}

v1::Contribution* MutableContribution(v1::Session* session, const std::string& name) {
  const int index = FindContributionIndex(*session, name);
  return index < 0 ? nullptr : session->mutable_contributions(index);
}

void ApplyJoined(const v1::ParticipantJoined& joined, const Timestamp& time, v1::Session* s) {
  if (FindParticipant(*s, joined.participant()) != nullptr) return;
  v1::Participant* participant = s->add_participants();
  participant->set_subject(joined.participant());
  *participant->mutable_join_time() = time;
  if (s->state() == v1::SESSION_STATE_SCHEDULED) s->set_state(v1::SESSION_STATE_LOBBY);
}

void ApplyAcknowledged(const v1::AgreementsAcknowledged& acknowledged, const Timestamp& time,
                       v1::Session* s) {
  for (v1::Participant& participant : *s->mutable_participants()) {
    if (participant.subject() != acknowledged.participant()) continue;
    for (const auto agreement : acknowledged.agreements()) {
      participant.add_acknowledged_agreements(static_cast<v1::Agreement>(agreement));
    }
    if (acknowledged.complete()) *participant.mutable_agreements_acknowledge_time() = time;
  }
}

void ApplyPhaseStarted(const v1::PhaseStarted& started, const Timestamp& time, v1::Session* s) {
  v1::CurrentPhase* current = s->mutable_current_phase();
  current->Clear();
  current->set_phase_id(started.phase_id());
  current->set_index(started.index());
  *current->mutable_start_time() = time;
  *current->mutable_deadline() = started.deadline();
  s->clear_turn_holder();
  s->clear_turns();
  if (v1::SessionPhase* phase = PhaseAt(s, started.index())) {
    phase->set_status(v1::PHASE_STATUS_ACTIVE);
    *phase->mutable_start_time() = time;
  }
}

void ApplyPhaseEnded(const v1::PhaseEnded& ended, const Timestamp& time, v1::Session* s) {
  if (v1::SessionPhase* phase = PhaseAt(s, ended.index())) {
    phase->set_status(v1::PHASE_STATUS_COMPLETED);
    *phase->mutable_end_time() = time;
    *phase->mutable_actual_duration() = ended.actual_duration();
    *phase->mutable_extended_by() = ended.extended_by();
    phase->set_overrun(ended.overrun());
    *phase->mutable_overridden_criteria() = ended.overridden_criteria();
    phase->set_override_reason(ended.override_reason());
  }
  s->clear_current_phase();
  s->clear_turn_holder();
  s->clear_turns();
}

void ApplyExtended(const v1::PhaseExtended& extended, v1::Session* s) {
  v1::CurrentPhase* current = s->mutable_current_phase();
  const absl::Duration total =
      ToDuration(current->extended_by()) + ToDuration(extended.extension());
  *current->mutable_extended_by() = ToProtoDuration(total);
  if (extended.has_deadline()) {
    *current->mutable_deadline() = extended.deadline();
  } else {
    *current->mutable_remaining() =
        ToProtoDuration(ToDuration(current->remaining()) + ToDuration(extended.extension()));
  }
  if (v1::SessionPhase* phase = PhaseAt(s, current->index())) {
    *phase->mutable_extended_by() = current->extended_by();
  }
}

void ApplyTurn(const v1::TurnGiven& turn, const Timestamp& time, v1::Session* s) {
  s->set_turn_holder(turn.participant());
  if (turn.participant().empty()) return;
  v1::Turn* entry = s->add_turns();
  entry->set_index(turn.turn_index());
  entry->set_participant(turn.participant());
  *entry->mutable_give_time() = time;
}

void ApplyRevealed(const v1::ContributionsRevealed& revealed, const Timestamp& time,
                   v1::Session* s) {
  for (const std::string& name : revealed.contributions()) {
    if (v1::Contribution* c = MutableContribution(s, name)) {
      c->set_visibility(v1::CONTRIBUTION_VISIBILITY_REVEALED);
      *c->mutable_reveal_time() = time;
    }
  }
}

void ApplyResponded(const v1::HypothesisResponded& responded, const Timestamp& time,
                    v1::Session* s) {
  v1::Contribution* c = MutableContribution(s, responded.hypothesis());
  if (c == nullptr) return;
  v1::HypothesisFeedback* feedback = c->mutable_hypothesis_feedback();
  // The summary follows the one response that changed (no other hypothesis is visited).
  v1::HypothesesSummary* summary = s->mutable_hypotheses();
  const v1::HypothesisResponse before = feedback->response();
  if (c->kind() == v1::CONTRIBUTION_KIND_HYPOTHESIS) {
    if (before == v1::HYPOTHESIS_RESPONSE_UNSPECIFIED &&
        responded.response() != v1::HYPOTHESIS_RESPONSE_UNSPECIFIED) {
      summary->set_answered(summary->answered() + 1);
    }
    if (before == v1::HYPOTHESIS_RESPONSE_AGREE) summary->set_agreed(summary->agreed() - 1);
    if (responded.response() == v1::HYPOTHESIS_RESPONSE_AGREE) {
      summary->set_agreed(summary->agreed() + 1);
    }
  }
  feedback->set_response(responded.response());
  feedback->set_comment(responded.comment());
  *feedback->mutable_respond_time() = time;
}

bool IsCaseOwnerQuestion(const v1::Session& s, const v1::Contribution& c) {
  return c.kind() == v1::CONTRIBUTION_KIND_QUESTION && !s.case_owner().empty() &&
         c.author() == s.case_owner();
}

void ApplyContributionAdded(const v1::Contribution& c, v1::SessionSnapshot* state) {
  v1::Session* s = state->mutable_session();
  *s->add_contributions() = c;
  CountContribution(c, state);
  if (IsCaseOwnerQuestion(*s, c)) s->add_case_owner_questions(c.name());
  if (c.kind() == v1::CONTRIBUTION_KIND_HYPOTHESIS) {
    v1::HypothesesSummary* summary = s->mutable_hypotheses();
    summary->set_total(summary->total() + 1);
    const auto response = c.hypothesis_feedback().response();
    if (response != v1::HYPOTHESIS_RESPONSE_UNSPECIFIED) {
      summary->set_answered(summary->answered() + 1);
    }
    if (response == v1::HYPOTHESIS_RESPONSE_AGREE) summary->set_agreed(summary->agreed() + 1);
  }
}

// Each participant's roles (facilitator, case owner, member).
void RefreshRoles(v1::Session* s) {
  for (v1::Participant& participant : *s->mutable_participants()) {
    participant.clear_roles();
    for (v1::SessionRole role : RolesOf(*s, participant.subject())) participant.add_roles(role);
  }
}

// After the case owner changed (rare): which questions are theirs.
void RefreshCaseOwnerQuestions(v1::Session* s) {
  s->clear_case_owner_questions();
  for (const v1::Contribution& c : s->contributions()) {
    if (IsCaseOwnerQuestion(*s, c)) s->add_case_owner_questions(c.name());
  }
}

void ApplyPaused(const v1::SessionPaused& paused, const Timestamp& time, v1::Session* s) {
  s->set_state(v1::SESSION_STATE_PAUSED);
  v1::CurrentPhase* current = s->mutable_current_phase();
  *current->mutable_remaining() = paused.remaining();
  current->clear_deadline();
  *current->mutable_pause_time() = time;
}

void ApplyResumed(const v1::SessionResumed& resumed, v1::Session* s) {
  s->set_state(v1::SESSION_STATE_IN_PROGRESS);
  v1::CurrentPhase* current = s->mutable_current_phase();
  *current->mutable_deadline() = resumed.deadline();
  current->clear_remaining();
  current->clear_pause_time();
  *current->mutable_paused_duration() = ToProtoDuration(ToDuration(current->paused_duration()) +
                                                        ToDuration(resumed.paused_duration()));
}

void ApplyEnded(const v1::SessionEnded& ended, const Timestamp& time, v1::Session* s) {
  s->set_state(ended.final_state());
  *s->mutable_end_time() = time;
  s->set_end_reason(ended.reason());
  s->clear_current_phase();
  s->clear_turn_holder();
  s->clear_turns();
  for (v1::SessionPhase& phase : *s->mutable_phases()) {
    if (phase.status() == v1::PHASE_STATUS_PENDING || phase.status() == v1::PHASE_STATUS_ACTIVE) {
      phase.set_status(v1::PHASE_STATUS_SKIPPED);
    }
  }
}

void ApplyReleaseVote(const v1::ReleaseVoteCast& cast, const Timestamp& time, v1::Session* s) {
  v1::ReleaseBallot* ballot = s->mutable_release_ballot();
  v1::ReleaseVote* vote = nullptr;
  for (v1::ReleaseVote& existing : *ballot->mutable_votes()) {
    if (existing.participant() == cast.participant()) vote = &existing;
  }
  if (vote == nullptr) {
    vote = ballot->add_votes();
    vote->set_participant(cast.participant());
  }
  vote->set_choice(cast.choice());
  *vote->mutable_vote_time() = time;
  ballot->set_votes_cast(ballot->votes_size());
}

void ApplyPayload(const v1::SessionEvent& event, v1::SessionSnapshot* state) {
  v1::Session* s = state->mutable_session();
  const Timestamp& time = event.event_time();
  switch (event.payload_case()) {
    case v1::SessionEvent::kSessionCreated:
      *s = event.session_created().session();
      *state->mutable_protocol() = event.session_created().protocol();
      state->clear_contribution_tallies();
      s->mutable_hypotheses();  // present (all zero) from the start
      break;
    case v1::SessionEvent::kParticipantJoined:
      ApplyJoined(event.participant_joined(), time, s);
      RefreshRoles(s);
      break;
    case v1::SessionEvent::kAgreementsAcknowledged:
      ApplyAcknowledged(event.agreements_acknowledged(), time, s);
      break;
    case v1::SessionEvent::kRolesAssigned:
      s->set_facilitator(event.roles_assigned().facilitator());
      s->set_case_owner(event.roles_assigned().case_owner());
      s->mutable_rotation_overrides()->MergeFrom(event.roles_assigned().rotation_overrides());
      RefreshRoles(s);
      RefreshCaseOwnerQuestions(s);
      break;
    case v1::SessionEvent::kSessionStarted:
      s->set_state(v1::SESSION_STATE_IN_PROGRESS);
      *s->mutable_start_time() = time;
      break;
    case v1::SessionEvent::kPhaseStarted:
      ApplyPhaseStarted(event.phase_started(), time, s);
      break;
    case v1::SessionEvent::kPhaseEnded:
      ApplyPhaseEnded(event.phase_ended(), time, s);
      break;
    case v1::SessionEvent::kPhaseExtended:
      ApplyExtended(event.phase_extended(), s);
      break;
    case v1::SessionEvent::kContributionAdded:
      ApplyContributionAdded(event.contribution_added().contribution(), state);
      break;
    case v1::SessionEvent::kHypothesisResponded:
      ApplyResponded(event.hypothesis_responded(), time, s);
      break;
    case v1::SessionEvent::kTurnGiven:
      ApplyTurn(event.turn_given(), time, s);
      break;
    case v1::SessionEvent::kContributionsRevealed:
      ApplyRevealed(event.contributions_revealed(), time, s);
      break;
    case v1::SessionEvent::kSessionPaused:
      ApplyPaused(event.session_paused(), time, s);
      break;
    case v1::SessionEvent::kSessionResumed:
      ApplyResumed(event.session_resumed(), s);
      break;
    case v1::SessionEvent::kPhaseTimeWarning:
      s->mutable_current_phase()->set_warning_sent(true);
      break;
    case v1::SessionEvent::kPhaseOverrun:
      s->mutable_current_phase()->set_overrun(true);
      break;
    case v1::SessionEvent::kCaseLoadReviewAttached:
      *s->mutable_case_load_review() = event.case_load_review_attached().review();
      break;
    case v1::SessionEvent::kSessionEnded:
      ApplyEnded(event.session_ended(), time, s);
      s->mutable_release_ballot()->set_outcome(event.session_ended().release_outcome());
      break;
    case v1::SessionEvent::kReleaseVoteCast:
      ApplyReleaseVote(event.release_vote_cast(), time, s);
      break;
    case v1::SessionEvent::kSessionRecordStored:
      s->set_session_record(event.session_record_stored().session_record());
      break;
    case v1::SessionEvent::PAYLOAD_NOT_SET:
      break;
  }
}

// The running phase's exit-criteria status, from tallies and summaries (no contribution visited).
void RefreshExitCriteria(v1::SessionSnapshot* state) {
  v1::Session* s = state->mutable_session();
  if (!s->has_current_phase()) return;
  s->mutable_current_phase()->clear_exit_criteria();
  const v1::PhaseTemplate* phase = CurrentPhaseTemplate(*state);
  if (phase == nullptr) return;
  for (const CriterionResult& result :
       EvaluateExitCriteria(*state, *phase, s->current_phase().index())) {
    v1::ExitCriterionStatus* status = s->mutable_current_phase()->add_exit_criteria();
    status->set_id(result.criterion->id());
    status->set_description(result.criterion->description());
    status->set_met(result.met);
    status->set_overridable(result.criterion->overridable());
  }
}

}  // namespace

void ApplyInPlace(v1::SessionSnapshot* state, const v1::SessionEvent& event) {
  // Weighed against the session before the event, as Decide weighed it.
  const int64_t content_bytes =
      ContentBytesUsed(state->session()) + ContentWeight(state->session(), event);
  ApplyPayload(event, state);
  v1::Session* session = state->mutable_session();
  session->set_version(event.sequence());
  session->set_etag(absl::StrCat("v", event.sequence()));
  session->mutable_usage()->set_contributions(session->contributions_size());
  session->mutable_usage()->set_content_bytes(content_bytes);
  RefreshExitCriteria(state);
}

v1::SessionSnapshot Apply(v1::SessionSnapshot state, const v1::SessionEvent& event) {
  ApplyInPlace(&state, event);
  return state;
}

absl::Status CheckNextEvent(const v1::SessionSnapshot& state, const v1::SessionEvent& event) {
  const int64_t expected = state.session().version() + 1;
  const bool created = event.payload_case() == v1::SessionEvent::kSessionCreated;
  if (event.sequence() == expected && created == (expected == 1) &&
      event.payload_case() != v1::SessionEvent::PAYLOAD_NOT_SET) {
    return absl::OkStatus();
  }
  return Refusal(absl::StatusCode::kDataLoss, v1::ERROR_REASON_EVENT_LOG_CORRUPT,
                 absl::StrCat("event ", event.sequence(), " cannot follow version ",
                              state.session().version()),
                 {{"expected_sequence", absl::StrCat(expected)},
                  {"sequence", absl::StrCat(event.sequence())}});
}

absl::StatusOr<v1::SessionSnapshot> Fold(absl::Span<const v1::SessionEvent> events) {
  v1::SessionSnapshot state;
  for (const v1::SessionEvent& event : events) {
    if (absl::Status status = CheckNextEvent(state, event); !status.ok()) return status;
    ApplyInPlace(&state, event);
  }
  return state;
}

absl::StatusOr<v1::SessionSnapshot> Restore(absl::string_view snapshot, absl::string_view protocol,
                                            absl::Span<const absl::string_view> tail) {
  v1::SessionSnapshot state;
  // The parts hold distinct top-level fields: parsed one after the other they make one snapshot.
  if (!state.ParseFromArray(snapshot.data(), static_cast<int>(snapshot.size())) ||
      !state.MergeFromString(std::string(protocol))) {
    return Refusal(absl::StatusCode::kDataLoss, v1::ERROR_REASON_EVENT_LOG_CORRUPT,
                   "the session's snapshot is unreadable");
  }
  if (state.contribution_tallies().empty()) RebuildTallies(&state);
  for (absl::string_view bytes : tail) {
    v1::SessionEvent event;
    if (!event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return Refusal(absl::StatusCode::kDataLoss, v1::ERROR_REASON_EVENT_LOG_CORRUPT,
                     "a session event is unreadable");
    }
    if (absl::Status next = CheckNextEvent(state, event); !next.ok()) return next;
    ApplyInPlace(&state, event);
  }
  return state;
}

}  // namespace casework::session
