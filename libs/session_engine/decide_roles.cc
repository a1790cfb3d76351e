// The AssignRoles decider: who may assign, who may hold the roles, facilitator ≠ case owner, and
// the rotation rule against the team's previous session of the same protocol.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/session_engine/decide_internal.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/status_macros.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

bool Started(const v1::Session& session) {
  return session.state() == v1::SESSION_STATE_IN_PROGRESS ||
         session.state() == v1::SESSION_STATE_PAUSED;
}

// Before the start the creator assigns until a facilitator exists; then only the facilitator.
absl::Status RequireAssigner(const DecideContext& context) {
  const v1::Session& session = context.session();
  const bool before_start =
      session.state() == v1::SESSION_STATE_SCHEDULED || session.state() == v1::SESSION_STATE_LOBBY;
  if (before_start && session.facilitator().empty() && !context.caller().empty() &&
      context.caller() == session.creator()) {
    return absl::OkStatus();
  }
  return RequireFacilitator(context);
}

// The person must hold one of `roles` in the team (facts.team_members); any member when empty.
absl::Status CheckTeamRoles(const DecideContext& context, absl::string_view field,
                            const std::string& subject,
                            const google::protobuf::RepeatedField<int>& roles) {
  if (subject.empty() || roles.empty()) return absl::OkStatus();
  const auto& members = context.command.facts().team_members();
  if (members.empty()) return FactMissing("team_members");
  for (const v1::TeamMember& member : members) {
    if (member.subject() != subject) continue;
    for (const auto role : member.roles()) {
      if (std::find(roles.begin(), roles.end(), role) != roles.end()) return absl::OkStatus();
    }
  }
  std::string names;
  for (const auto role : roles) {
    absl::StrAppend(&names, names.empty() ? "" : " or ",
                    v1::TeamRole_Name(static_cast<v1::TeamRole>(role)));
  }
  return FieldInvalid(field, absl::StrCat("must hold the team role ", names));
}

absl::Status ValidateAssignment(const DecideContext& context) {
  const v1::AssignRolesRequest& request = context.command.assign_roles();
  const v1::RoleRules& rules = context.protocol().role_rules();
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  if (request.facilitator().empty() && request.case_owner().empty()) {
    return FieldInvalid("facilitator", "name a facilitator, a case owner or both");
  }
  for (const auto& [field, subject] :
       {std::pair{"facilitator", &request.facilitator()}, {"case_owner", &request.case_owner()}}) {
    if (!subject->empty() && FindParticipant(context.session(), *subject) == nullptr) {
      return FieldInvalid(field, "must be a participant of the session");
    }
  }
  CASEWORK_RETURN_IF_ERROR(CheckTeamRoles(context, "facilitator", request.facilitator(),
                                          rules.facilitator_team_roles()));
  CASEWORK_RETURN_IF_ERROR(
      CheckTeamRoles(context, "case_owner", request.case_owner(), rules.case_owner_team_roles()));
  CASEWORK_RETURN_IF_ERROR(CheckOverrideReason(context, request.override_rotation(),
                                               "override_reason", request.override_reason()));
  const std::string& facilitator =
      request.facilitator().empty() ? context.session().facilitator() : request.facilitator();
  const std::string& case_owner =
      request.case_owner().empty() ? context.session().case_owner() : request.case_owner();
  if (rules.facilitator_differs_from_case_owner() && !facilitator.empty() &&
      facilitator == case_owner) {
    return ContentRefusal(v1::ERROR_REASON_FACILITATOR_IS_CASE_OWNER,
                          request.case_owner().empty() ? "facilitator" : "case_owner",
                          "the facilitator and the case owner must be different people");
  }
  return absl::OkStatus();
}

// Checks one role against the previous session; records an override when one was asked for.
absl::Status CheckRotation(const DecideContext& context, v1::SessionRole role,
                           const std::string& subject, const std::string& previous_holder,
                           v1::RolesAssigned* assigned) {
  const v1::AssignRolesRequest& request = context.command.assign_roles();
  const v1::SessionRecord& previous = context.command.facts().previous_session_record();
  if (subject.empty() || subject != previous_holder) return absl::OkStatus();
  if (!request.override_rotation()) {
    return Refusal(
        absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_ROTATION_VIOLATION,
        absl::StrCat("the ", RoleName(role), " held the same role in the team's previous session"),
        {{"role", RoleName(role)}, {"previous_session", previous.session()}});
  }
  v1::RotationOverride* entry = assigned->add_rotation_overrides();
  entry->set_role(role);
  entry->set_subject(subject);
  entry->set_previous_session(previous.session());
  entry->set_reason(request.override_reason());
  entry->set_actor(context.caller());
  *entry->mutable_override_time() = ToTimestamp(context.now);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Events> DecideAssignRoles(const DecideContext& context) {
  const v1::AssignRolesRequest& request = context.command.assign_roles();
  const v1::Session& session = context.session();
  CASEWORK_RETURN_IF_ERROR(RequireAssigner(context));
  CASEWORK_RETURN_IF_ERROR(ValidateAssignment(context));
  CASEWORK_RETURN_IF_ERROR(RequireState(
      context,
      {v1::SESSION_STATE_SCHEDULED, v1::SESSION_STATE_LOBBY, v1::SESSION_STATE_IN_PROGRESS}));
  if (Started(session)) {
    const v1::PhaseTemplate* phase = CurrentPhaseTemplate(context.state);
    if (phase == nullptr || !phase->role_assignment_allowed()) {
      return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_ROLE_ASSIGNMENT_CLOSED,
                     "roles can only be assigned before the start or in a phase that allows it",
                     {{"phase_id", session.current_phase().phase_id()}});
    }
  }
  v1::RolesAssigned assigned;
  assigned.set_facilitator(request.facilitator().empty() ? session.facilitator()
                                                         : request.facilitator());
  assigned.set_case_owner(request.case_owner().empty() ? session.case_owner()
                                                       : request.case_owner());
  const v1::RoleRules& rules = context.protocol().role_rules();
  const v1::SessionRecord& previous = context.command.facts().previous_session_record();
  if (rules.rotate_facilitator()) {
    CASEWORK_RETURN_IF_ERROR(CheckRotation(context, v1::SESSION_ROLE_FACILITATOR,
                                           request.facilitator(), previous.facilitator(),
                                           &assigned));
  }
  if (rules.rotate_case_owner()) {
    CASEWORK_RETURN_IF_ERROR(CheckRotation(context, v1::SESSION_ROLE_CASE_OWNER,
                                           request.case_owner(), previous.case_owner(), &assigned));
  }
  PendingEvents events(context, context.caller(), request.request_id());
  *events.Add().mutable_roles_assigned() = std::move(assigned);
  return events.Take();
}

}  // namespace casework::session
