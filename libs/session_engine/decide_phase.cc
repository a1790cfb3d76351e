// Deciders of the phase clock and transitions: AdvancePhase, ExtendPhase, PauseSession,
// ResumeSession, EndSession, Tick and MarkRecordStored, with the shared phase start and end.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/session_engine/decide_internal.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/exit_criteria.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/status_macros.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

absl::Status RequireExpectedPhase(const DecideContext& context, const std::string& expected) {
  const std::string& current = context.session().current_phase().phase_id();
  if (expected == current) return absl::OkStatus();
  return Refusal(absl::StatusCode::kAborted, v1::ERROR_REASON_PHASE_MISMATCH,
                 "the session is no longer in the phase you expected; nothing was changed",
                 {{"expected_phase_id", expected}, {"current_phase_id", current}});
}

absl::Status ReasonRequired(absl::string_view message) {
  return ContentRefusal(v1::ERROR_REASON_REASON_REQUIRED, "reason", message, {{"field", "reason"}});
}

}  // namespace

absl::StatusOr<std::vector<std::string>> CheckExitCriteria(const DecideContext& context,
                                                           bool override_requested) {
  const v1::PhaseTemplate* phase = CurrentPhaseTemplate(context.state);
  if (phase == nullptr) return std::vector<std::string>{};
  const int index = context.session().current_phase().index();
  std::vector<std::string> unmet;
  std::vector<std::string> fixed;
  for (const CriterionResult& result : EvaluateExitCriteria(context.state, *phase, index)) {
    if (result.met) continue;
    unmet.push_back(result.criterion->id());
    if (!result.criterion->overridable()) fixed.push_back(result.criterion->id());
  }
  if (unmet.empty()) return unmet;
  if (!override_requested) {
    return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_EXIT_CRITERIA_UNMET,
                   "the phase's exit criteria are not met",
                   {{"phase_id", phase->id()}, {"criteria", absl::StrJoin(unmet, ",")}});
  }
  if (!fixed.empty()) {
    return Refusal(absl::StatusCode::kFailedPrecondition,
                   v1::ERROR_REASON_CRITERION_NOT_OVERRIDABLE,
                   "some unmet exit criteria cannot be overridden",
                   {{"phase_id", phase->id()}, {"criteria", absl::StrJoin(fixed, ",")}});
  }
  return unmet;
}

void AppendPhaseEnd(const DecideContext& context, v1::PhaseEndReason reason,
                    const std::vector<std::string>& overridden, absl::string_view override_reason,
                    PendingEvents* events) {
  const v1::Session& session = context.session();
  const v1::CurrentPhase& current = session.current_phase();
  v1::ContributionsRevealed reveal;
  for (const v1::Contribution& contribution : session.contributions()) {
    if (contribution.phase_index() == current.index() &&
        contribution.visibility() == v1::CONTRIBUTION_VISIBILITY_SEALED) {
      reveal.add_contributions(contribution.name());
    }
  }
  if (!reveal.contributions().empty()) {
    reveal.set_phase_id(current.phase_id());
    reveal.set_trigger(v1::REVEAL_TRIGGER_PHASE_END);
    *events->Add().mutable_contributions_revealed() = std::move(reveal);
  }
  const bool paused = session.state() == v1::SESSION_STATE_PAUSED;
  const absl::Time running_until = paused ? ToTime(current.pause_time()) : context.now;
  const absl::Duration actual =
      std::max(absl::ZeroDuration(), running_until - ToTime(current.start_time()) -
                                         ToDuration(current.paused_duration()));
  const absl::Duration remaining =
      paused ? ToDuration(current.remaining()) : ToTime(current.deadline()) - context.now;
  const v1::PhaseTemplate* phase = CurrentPhaseTemplate(context.state);
  const absl::Duration minimum =
      phase == nullptr ? absl::ZeroDuration() : ToDuration(phase->timebox().minimum());
  v1::PhaseEnded* ended = events->Add().mutable_phase_ended();
  ended->set_phase_id(current.phase_id());
  ended->set_index(current.index());
  ended->set_reason(reason);
  *ended->mutable_actual_duration() = ToProtoDuration(actual);
  ended->set_overrun(current.overrun() || remaining < absl::ZeroDuration());
  *ended->mutable_overrun_by() = ToProtoDuration(std::max(absl::ZeroDuration(), -remaining));
  *ended->mutable_extended_by() = current.extended_by();
  ended->set_ended_early(minimum > absl::ZeroDuration() && actual < minimum);
  for (const std::string& id : overridden) ended->add_overridden_criteria(id);
  if (!overridden.empty()) ended->set_override_reason(std::string(override_reason));
}

absl::Status AppendPhaseStart(const DecideContext& context, int index, PendingEvents* events) {
  const v1::PhaseTemplate& phase = context.protocol().phases(index - 1);
  std::vector<std::string> missing;
  for (const auto role : phase.required_roles()) {
    if (!RoleAssigned(context.session(), static_cast<v1::SessionRole>(role))) {
      missing.push_back(RoleName(static_cast<v1::SessionRole>(role)));
    }
  }
  if (!missing.empty()) {
    return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_ROLES_INCOMPLETE,
                   absl::StrCat("phase \"", phase.id(), "\" needs these roles assigned first"),
                   {{"roles", absl::StrJoin(missing, ",")}, {"phase_id", phase.id()}});
  }
  v1::PhaseStarted* started = events->Add().mutable_phase_started();
  started->set_phase_id(phase.id());
  started->set_index(index);
  *started->mutable_timebox() = phase.timebox().planned();
  *started->mutable_deadline() = ToTimestamp(context.now + ToDuration(phase.timebox().planned()));
  if (!phase.attach_case_load_review()) return absl::OkStatus();
  if (!context.command.facts().has_case_load_review()) return FactMissing("case_load_review");
  v1::CaseLoadReviewAttached* attached = events->Add().mutable_case_load_review_attached();
  attached->set_phase_id(phase.id());
  *attached->mutable_review() = context.command.facts().case_load_review();
  for (auto& load : *attached->mutable_review()->mutable_caseworker_loads())
    load.clear_caseworker();
  return absl::OkStatus();
}

absl::StatusOr<Events> DecideAdvance(const DecideContext& context) {
  const v1::AdvancePhaseRequest& request = context.command.advance_phase();
  CASEWORK_RETURN_IF_ERROR(RequireFacilitator(context));
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  if (request.expected_phase_id().empty()) {
    return FieldInvalid("expected_phase_id", "name the phase you expect to leave");
  }
  CASEWORK_RETURN_IF_ERROR(CheckOverrideReason(context, request.override_exit_criteria(),
                                               "override_reason", request.override_reason()));
  CASEWORK_RETURN_IF_ERROR(RequireState(context, {v1::SESSION_STATE_IN_PROGRESS}));
  CASEWORK_RETURN_IF_ERROR(RequireExpectedPhase(context, request.expected_phase_id()));
  const int index = context.session().current_phase().index();
  if (index >= context.protocol().phases_size()) {
    return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_NO_NEXT_PHASE,
                   "this is the last phase; end the session instead");
  }
  CASEWORK_ASSIGN_OR_RETURN(std::vector<std::string> overridden,
                            CheckExitCriteria(context, request.override_exit_criteria()));
  PendingEvents events(context, context.caller(), request.request_id());
  AppendPhaseEnd(context, v1::PHASE_END_REASON_ADVANCED, overridden, request.override_reason(),
                 &events);
  CASEWORK_RETURN_IF_ERROR(AppendPhaseStart(context, index + 1, &events));
  return events.Take();
}

absl::StatusOr<Events> DecideExtend(const DecideContext& context) {
  const v1::ExtendPhaseRequest& request = context.command.extend_phase();
  CASEWORK_RETURN_IF_ERROR(RequireFacilitator(context));
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  if (request.expected_phase_id().empty()) {
    return FieldInvalid("expected_phase_id", "name the phase to extend");
  }
  const absl::Duration extension = ToDuration(request.extension());
  if (extension < absl::Seconds(1) || extension > absl::Minutes(60)) {
    return FieldInvalid("extension", "must be between 1 second and 60 minutes");
  }
  CASEWORK_RETURN_IF_ERROR(
      RequireState(context, {v1::SESSION_STATE_IN_PROGRESS, v1::SESSION_STATE_PAUSED}));
  CASEWORK_RETURN_IF_ERROR(RequireExpectedPhase(context, request.expected_phase_id()));
  PendingEvents events(context, context.caller(), request.request_id());
  v1::PhaseExtended* extended = events.Add().mutable_phase_extended();
  extended->set_phase_id(request.expected_phase_id());
  *extended->mutable_extension() = ToProtoDuration(extension);
  if (context.session().state() == v1::SESSION_STATE_IN_PROGRESS) {
    *extended->mutable_deadline() =
        ToTimestamp(ToTime(context.session().current_phase().deadline()) + extension);
  }
  return events.Take();
}

absl::StatusOr<Events> DecidePause(const DecideContext& context) {
  const v1::PauseSessionRequest& request = context.command.pause_session();
  CASEWORK_RETURN_IF_ERROR(RequireFacilitator(context));
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  CASEWORK_RETURN_IF_ERROR(RequireState(context, {v1::SESSION_STATE_IN_PROGRESS}));
  const v1::CurrentPhase& current = context.session().current_phase();
  PendingEvents events(context, context.caller(), request.request_id());
  v1::SessionPaused* paused = events.Add().mutable_session_paused();
  paused->set_phase_id(current.phase_id());
  *paused->mutable_remaining() = ToProtoDuration(ToTime(current.deadline()) - context.now);
  return events.Take();
}

absl::StatusOr<Events> DecideResume(const DecideContext& context) {
  const v1::ResumeSessionRequest& request = context.command.resume_session();
  CASEWORK_RETURN_IF_ERROR(RequireFacilitator(context));
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  CASEWORK_RETURN_IF_ERROR(RequireState(context, {v1::SESSION_STATE_PAUSED}));
  const v1::CurrentPhase& current = context.session().current_phase();
  PendingEvents events(context, context.caller(), request.request_id());
  v1::SessionResumed* resumed = events.Add().mutable_session_resumed();
  resumed->set_phase_id(current.phase_id());
  *resumed->mutable_deadline() = ToTimestamp(context.now + ToDuration(current.remaining()));
  *resumed->mutable_paused_duration() =
      ToProtoDuration(std::max(absl::ZeroDuration(), context.now - ToTime(current.pause_time())));
  return events.Take();
}

absl::StatusOr<Events> DecideEnd(const DecideContext& context) {
  const v1::EndSessionRequest& request = context.command.end_session();
  const v1::Session& session = context.session();
  const bool creator_may_end = session.facilitator().empty() && !context.caller().empty() &&
                               context.caller() == session.creator();
  if (!creator_may_end) CASEWORK_RETURN_IF_ERROR(RequireFacilitator(context));
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  CASEWORK_RETURN_IF_ERROR(CheckOverrideReason(context, false, "reason", request.reason()));
  CASEWORK_RETURN_IF_ERROR(
      RequireState(context, {v1::SESSION_STATE_SCHEDULED, v1::SESSION_STATE_LOBBY,
                             v1::SESSION_STATE_IN_PROGRESS, v1::SESSION_STATE_PAUSED}));
  PendingEvents events(context, context.caller(), request.request_id());
  if (!session.has_current_phase()) {
    if (request.reason().empty()) return ReasonRequired("cancelling a session needs a reason");
    v1::SessionEnded* ended = events.Add().mutable_session_ended();
    ended->set_final_state(v1::SESSION_STATE_CANCELLED);
    ended->set_reason(request.reason());
    ended->set_early(true);
    ended->set_release_outcome(ReleaseOutcomeAtEnd(context.state));
    return events.Take();
  }
  const bool last = session.current_phase().index() >= context.protocol().phases_size();
  if (!last && request.reason().empty()) {
    return ReasonRequired("ending before the last phase needs a reason");
  }
  std::vector<std::string> overridden;
  if (last) {
    // A regular end leaves the last phase: its exit criteria hold, or the reason overrides them.
    CASEWORK_ASSIGN_OR_RETURN(overridden, CheckExitCriteria(context, !request.reason().empty()));
  }
  AppendPhaseEnd(context, v1::PHASE_END_REASON_SESSION_ENDED, overridden, request.reason(),
                 &events);
  v1::SessionEnded* ended = events.Add().mutable_session_ended();
  ended->set_final_state(v1::SESSION_STATE_ENDED);
  if (!last || !overridden.empty()) ended->set_reason(request.reason());
  ended->set_early(!last);
  ended->set_release_outcome(ReleaseOutcomeAtEnd(context.state));
  return events.Take();
}

absl::StatusOr<Events> DecideTick(const DecideContext& context) {
  if (context.caller() != kSystemSubject) {
    return Refusal(absl::StatusCode::kPermissionDenied, v1::ERROR_REASON_SYSTEM_ACTOR_REQUIRED,
                   "ticks come from the session service's timer only");
  }
  if (context.session().state() != v1::SESSION_STATE_IN_PROGRESS) return Events{};
  const v1::CurrentPhase& current = context.session().current_phase();
  const absl::Time deadline = ToTime(current.deadline());
  const absl::Duration lead = ToDuration(context.protocol().time_warning_lead());
  PendingEvents events(context, kSystemSubject, "");
  if (!current.warning_sent() && context.now >= deadline - lead) {
    v1::PhaseTimeWarning* warning = events.Add().mutable_phase_time_warning();
    warning->set_phase_id(current.phase_id());
    *warning->mutable_deadline() = current.deadline();
    *warning->mutable_remaining() = ToProtoDuration(deadline - context.now);
  }
  if (!current.overrun() && context.now >= deadline) {
    v1::PhaseOverrun* overrun = events.Add().mutable_phase_overrun();
    overrun->set_phase_id(current.phase_id());
    *overrun->mutable_deadline() = current.deadline();
  }
  return events.Take();
}

absl::StatusOr<Events> DecideMarkRecordStored(const DecideContext& context) {
  const v1::MarkRecordStoredCommand& command = context.command.mark_record_stored();
  if (context.caller() != kSystemSubject) {
    return Refusal(absl::StatusCode::kPermissionDenied, v1::ERROR_REASON_SYSTEM_ACTOR_REQUIRED,
                   "only the session service's outbox marks records stored");
  }
  if (command.session_record().empty()) return FieldInvalid("session_record", "is required");
  CASEWORK_RETURN_IF_ERROR(
      RequireState(context, {v1::SESSION_STATE_ENDED, v1::SESSION_STATE_CANCELLED}));
  const std::string& stored = context.session().session_record();
  if (stored == command.session_record()) return Events{};
  if (!stored.empty()) {
    return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_SESSION_STATE_INVALID,
                   "the session's record is already stored under another name",
                   {{"state", "RECORD_STORED"}});
  }
  PendingEvents events(context, kSystemSubject, "");
  events.Add().mutable_session_record_stored()->set_session_record(command.session_record());
  return events.Take();
}

}  // namespace casework::session
