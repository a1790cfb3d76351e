// Deciders of what participants say and the facilitator's flipchart: AddContribution,
// RespondToHypothesis, GiveTurn and RevealContributions.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/session_engine/contribution_rules.h"
#include "libs/session_engine/decide_internal.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/status_macros.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

std::string RoleNames(const std::vector<v1::SessionRole>& roles) {
  std::vector<std::string> names;
  for (v1::SessionRole role : roles) names.push_back(RoleName(role));
  return absl::StrJoin(names, ",");
}

absl::Status RoleSilent(const v1::PhaseTemplate& phase, const std::vector<v1::SessionRole>& roles) {
  return Refusal(absl::StatusCode::kPermissionDenied, v1::ERROR_REASON_ROLE_SILENT_IN_PHASE,
                 absl::StrCat("your role says nothing in phase \"", phase.title(), "\""),
                 {{"phase_id", phase.id()}, {"role", RoleNames(roles)}});
}

// The permissions of the running phase for `subject`; PERMISSION_DENIED ROLE_SILENT_IN_PHASE when
// the subject's roles may say nothing at all.
absl::StatusOr<std::vector<const v1::PhasePermission*>> SpeakingPermissions(
    const DecideContext& context, const v1::PhaseTemplate& phase, const std::string& subject) {
  const std::vector<v1::SessionRole> roles = RolesOf(context.session(), subject);
  if (phase.case_owner_silent() &&
      HoldsRole(context.session(), subject, v1::SESSION_ROLE_CASE_OWNER)) {
    return RoleSilent(phase, roles);
  }
  std::vector<const v1::PhasePermission*> permissions = PermissionsFor(phase, roles);
  if (permissions.empty()) return RoleSilent(phase, roles);
  return permissions;
}

absl::Status RequireAgreements(const DecideContext& context, const std::string& subject) {
  const v1::Participant* participant = FindParticipant(context.session(), subject);
  if (participant != nullptr && AgreementsComplete(*participant, context.protocol())) {
    return absl::OkStatus();
  }
  return Refusal(
      absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_AGREEMENTS_NOT_ACKNOWLEDGED,
      "acknowledge the session's agreements before contributing", {{"participant", subject}});
}

v1::Contribution NewContribution(const DecideContext& context, const ContributionDraft& draft,
                                 std::vector<v1::ContributionFlag> flags) {
  const v1::Session& session = context.session();
  const v1::CurrentPhase& current = session.current_phase();
  v1::Contribution c;
  c.set_kind(draft.contribution.kind());
  c.set_text(draft.contribution.text());
  *c.mutable_references() = draft.contribution.references();
  if (draft.contribution.has_check_in()) *c.mutable_check_in() = draft.contribution.check_in();
  if (draft.contribution.has_action_item()) {
    *c.mutable_action_item() = draft.contribution.action_item();
    c.mutable_action_item()->clear_action_item();
  }
  c.set_name(absl::StrCat(session.name(), "/contributions/", session.contributions_size() + 1));
  c.set_author(draft.author);
  if (draft.author != context.caller()) c.set_recorded_by(context.caller());
  c.set_phase_id(current.phase_id());
  c.set_phase_index(current.index());
  if (current.overrun() || context.now >= ToTime(current.deadline())) {
    flags.push_back(v1::CONTRIBUTION_FLAG_DURING_OVERRUN);
  }
  for (v1::ContributionFlag flag : flags) c.add_flags(flag);
  const v1::PhaseVisibility visibility =
      draft.grant->visibility() != v1::PHASE_VISIBILITY_UNSPECIFIED ? draft.grant->visibility()
                                                                    : draft.phase->visibility();
  c.set_visibility(visibility == v1::PHASE_VISIBILITY_SEALED_UNTIL_REVEAL
                       ? v1::CONTRIBUTION_VISIBILITY_SEALED
                       : v1::CONTRIBUTION_VISIBILITY_PUBLIC);
  if (!session.turn_holder().empty() && !session.turns().empty()) {
    c.set_turn_index(session.turns(session.turns_size() - 1).index());
  }
  c.set_sequence(session.version() + 1);
  *c.mutable_create_time() = ToTimestamp(context.now);
  return c;
}

// Who speaks: the caller, or the participant the facilitator records for.
absl::StatusOr<std::string> Speaker(const DecideContext& context) {
  const v1::AddContributionRequest& request = context.command.add_contribution();
  if (request.on_behalf_of().empty() || request.on_behalf_of() == context.caller()) {
    return context.caller();
  }
  CASEWORK_RETURN_IF_ERROR(RequireFacilitator(context));
  if (FindParticipant(context.session(), request.on_behalf_of()) == nullptr) {
    return FieldInvalid("on_behalf_of", "must be a participant of the session");
  }
  return request.on_behalf_of();
}

}  // namespace

absl::StatusOr<Events> DecideAddContribution(const DecideContext& context) {
  const v1::AddContributionRequest& request = context.command.add_contribution();
  const v1::Contribution& requested = request.contribution();
  CASEWORK_RETURN_IF_ERROR(RequireParticipant(context));
  CASEWORK_ASSIGN_OR_RETURN(const std::string author, Speaker(context));
  const v1::PhaseTemplate* phase = CurrentPhaseTemplate(context.state);
  const v1::PhasePermission* grant = nullptr;
  if (phase != nullptr) {
    CASEWORK_ASSIGN_OR_RETURN(auto permissions, SpeakingPermissions(context, *phase, author));
    for (const v1::PhasePermission* permission : permissions) {
      if (grant == nullptr && ContainsKind(*permission, requested.kind())) grant = permission;
    }
    if (author != context.caller() && grant != nullptr && !grant->facilitator_may_record()) {
      return Refusal(absl::StatusCode::kPermissionDenied, v1::ERROR_REASON_RECORDING_NOT_ALLOWED,
                     "the facilitator may not record this entry for this participant here",
                     {{"phase_id", phase->id()},
                      {"kind", KindName(requested.kind())},
                      {"role", RoleName(grant->role())}});
    }
  }
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  CASEWORK_RETURN_IF_ERROR(ValidateContributionShape(requested, context.now));
  const ContributionDraft draft{context.state, requested, author, phase, grant};
  std::vector<v1::ContributionFlag> flags;
  CASEWORK_RETURN_IF_ERROR(GuardContribution(draft, &flags));
  if (grant != nullptr) {
    CASEWORK_RETURN_IF_ERROR(CheckReferences(draft));
    CASEWORK_RETURN_IF_ERROR(CheckQuestion(draft, &flags));
  }
  CASEWORK_RETURN_IF_ERROR(RequireState(context, {v1::SESSION_STATE_IN_PROGRESS}));
  CASEWORK_RETURN_IF_ERROR(RequireAgreements(context, author));
  if (author != context.caller())
    CASEWORK_RETURN_IF_ERROR(RequireAgreements(context, context.caller()));
  if (grant == nullptr) {
    return Refusal(absl::StatusCode::kFailedPrecondition,
                   v1::ERROR_REASON_KIND_NOT_ALLOWED_IN_PHASE,
                   absl::StrCat(KindName(requested.kind()), " is not allowed for your role in \"",
                                phase->title(), "\""),
                   {{"phase_id", phase->id()},
                    {"kind", KindName(requested.kind())},
                    {"role", RoleNames(RolesOf(context.session(), author))}});
  }
  CASEWORK_RETURN_IF_ERROR(CheckOrderTurnAndLimits(draft));
  PendingEvents events(context, context.caller(), request.request_id());
  *events.Add().mutable_contribution_added()->mutable_contribution() =
      NewContribution(context, draft, std::move(flags));
  return events.Take();
}

absl::StatusOr<Events> DecideRespond(const DecideContext& context) {
  const v1::RespondToHypothesisRequest& request = context.command.respond_to_hypothesis();
  CASEWORK_RETURN_IF_ERROR(RequireParticipant(context));
  const v1::PhaseTemplate* phase = CurrentPhaseTemplate(context.state);
  const v1::PhasePermission* grant = nullptr;
  if (phase != nullptr) {
    CASEWORK_ASSIGN_OR_RETURN(auto permissions,
                              SpeakingPermissions(context, *phase, context.caller()));
    for (const v1::PhasePermission* permission : permissions) {
      if (permission->respond_to_hypotheses()) grant = permission;
    }
    for (const v1::PhasePermission& other : phase->permissions()) {
      if (grant == nullptr && other.respond_to_hypotheses()) {
        return Refusal(absl::StatusCode::kPermissionDenied, v1::ERROR_REASON_ROLE_REQUIRED,
                       "only another role responds to hypotheses in this phase",
                       {{"required_role", RoleName(other.role())}});
      }
    }
  }
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  if (request.hypothesis().empty()) return FieldInvalid("hypothesis", "is required");
  if (request.response() != v1::HYPOTHESIS_RESPONSE_AGREE &&
      request.response() != v1::HYPOTHESIS_RESPONSE_DISAGREE) {
    return FieldInvalid("response", "must be AGREE or DISAGREE");
  }
  if (request.comment().size() > 2000) return FieldInvalid("comment", "at most 2,000 characters");
  CASEWORK_RETURN_IF_ERROR(GuardText(context.protocol(), context.session().language_code(),
                                     "comment", request.comment()));
  CASEWORK_RETURN_IF_ERROR(RequireState(context, {v1::SESSION_STATE_IN_PROGRESS}));
  CASEWORK_RETURN_IF_ERROR(RequireAgreements(context, context.caller()));
  const v1::Contribution* target = FindContribution(context.session(), request.hypothesis());
  if (grant == nullptr || target == nullptr || target->kind() != v1::CONTRIBUTION_KIND_HYPOTHESIS ||
      !ContentVisibleTo(*target, context.caller())) {
    return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_NOT_A_HYPOTHESIS,
                   "there is no hypothesis to respond to here",
                   {{"reference", request.hypothesis()}});
  }
  PendingEvents events(context, context.caller(), request.request_id());
  v1::HypothesisResponded* responded = events.Add().mutable_hypothesis_responded();
  responded->set_hypothesis(request.hypothesis());
  responded->set_response(request.response());
  responded->set_comment(request.comment());
  return events.Take();
}

absl::StatusOr<Events> DecideGiveTurn(const DecideContext& context) {
  const v1::GiveTurnRequest& request = context.command.give_turn();
  CASEWORK_RETURN_IF_ERROR(RequireFacilitator(context));
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  CASEWORK_RETURN_IF_ERROR(RequireState(context, {v1::SESSION_STATE_IN_PROGRESS}));
  const v1::Session& session = context.session();
  if (request.participant().empty() && session.turn_holder().empty()) return Events{};
  if (!request.participant().empty() &&
      FindParticipant(session, request.participant()) == nullptr) {
    return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_TURN_RECEIVER_INVALID,
                   "the turn can only go to a participant of the session",
                   {{"participant", request.participant()}});
  }
  PendingEvents events(context, context.caller(), request.request_id());
  v1::TurnGiven* turn = events.Add().mutable_turn_given();
  turn->set_phase_id(session.current_phase().phase_id());
  turn->set_participant(request.participant());
  turn->set_turn_index(request.participant().empty() ? 0 : session.turns_size() + 1);
  return events.Take();
}

absl::StatusOr<Events> DecideReveal(const DecideContext& context) {
  const v1::RevealContributionsRequest& request = context.command.reveal_contributions();
  CASEWORK_RETURN_IF_ERROR(RequireFacilitator(context));
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  std::set<std::string> named;
  for (int i = 0; i < request.contributions_size(); ++i) {
    if (request.contributions(i).empty() || !named.insert(request.contributions(i)).second) {
      return FieldInvalid(absl::StrCat("contributions[", i, "]"), "name each entry once");
    }
  }
  CASEWORK_RETURN_IF_ERROR(RequireState(context, {v1::SESSION_STATE_IN_PROGRESS}));
  const v1::Session& session = context.session();
  const int index = session.current_phase().index();
  for (int i = 0; i < request.contributions_size(); ++i) {
    const v1::Contribution* target = FindContribution(session, request.contributions(i));
    if (target == nullptr || target->phase_index() != index) {
      return FieldInvalid(absl::StrCat("contributions[", i, "]"),
                          "must be a contribution of the current phase");
    }
  }
  v1::ContributionsRevealed reveal;
  for (const v1::Contribution& c : session.contributions()) {
    if (c.phase_index() == index && c.visibility() == v1::CONTRIBUTION_VISIBILITY_SEALED &&
        (named.empty() || named.count(c.name()) > 0)) {
      reveal.add_contributions(c.name());
    }
  }
  if (reveal.contributions().empty()) return Events{};
  reveal.set_phase_id(session.current_phase().phase_id());
  reveal.set_trigger(v1::REVEAL_TRIGGER_FACILITATOR);
  PendingEvents events(context, context.caller(), request.request_id());
  *events.Add().mutable_contributions_revealed() = std::move(reveal);
  return events.Take();
}

}  // namespace casework::session
