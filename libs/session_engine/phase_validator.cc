// Validation of a template's phases: ids, timeboxes, visibility, question checks, agenda fields,
// permissions (one per role and kind, no voice for a silent case owner, reference rules) and exit
// criteria the phase can actually meet.
#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/session_engine/protocol_validator_internal.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"

namespace casework::session::internal {
namespace {

namespace v1 = ::casework::v1;

bool Grants(const v1::PhaseTemplate& phase, v1::SessionRole role, v1::ContributionKind kind) {
  for (const v1::PhasePermission& permission : phase.permissions()) {
    if ((role == v1::SESSION_ROLE_UNSPECIFIED || permission.role() == role) &&
        ContainsKind(permission, kind)) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool TemplateValidator::Phases(const google::protobuf::RepeatedPtrField<v1::PhaseTemplate>& phases,
                               const std::string& field, bool top_level) {
  if (phases.empty()) return Fail(field, "need at least one phase");
  std::set<std::string> ids;
  for (int i = 0; i < phases.size(); ++i) {
    Scope scope(this, field, i);
    const v1::PhaseTemplate& phase = phases.Get(i);
    if (!IsId(phase.id(), '_')) {
      return Fail("id", "must be 1-63 lower-case letters, digits and underscores");
    }
    if (!ids.insert(phase.id()).second) return Fail("id", "is used by an earlier phase");
    if (!Phase(phase, top_level)) return false;
  }
  return true;
}

bool TemplateValidator::Phase(const v1::PhaseTemplate& phase, bool top_level) {
  if (phase.title().empty()) return Fail("title", "is required");
  if (phase.segment_slot()) {
    if (!top_level) return Fail("segment_slot", "is not allowed inside a segment");
    if (protocol_->segment_options().empty()) {
      return Fail("segment_slot", "needs segment_options in the template");
    }
    return Timebox(phase);
  }
  if (!Timebox(phase)) return false;
  if (!v1::PhaseVisibility_IsValid(phase.visibility())) {
    return Fail("visibility", "must be a PhaseVisibility");
  }
  for (int i = 0; i < phase.required_roles_size(); ++i) {
    if (!ValidRole(phase.required_roles(i))) return Fail("required_roles", i, "invalid role");
  }
  std::set<int> checks;
  for (int i = 0; i < phase.question_checks_size(); ++i) {
    const int check = phase.question_checks(i);
    if (!v1::QuestionCheck_IsValid(check) || check == v1::QUESTION_CHECK_UNSPECIFIED) {
      return Fail("question_checks", i, "must be a QuestionCheck other than UNSPECIFIED");
    }
    if (!checks.insert(check).second) return Fail("question_checks", i, "is listed twice");
  }
  return MeetingFields(phase) && Permissions(phase) && Criteria(phase);
}

bool TemplateValidator::Timebox(const v1::PhaseTemplate& phase) {
  Scope scope(this, "timebox");
  const absl::Duration planned = ToDuration(phase.timebox().planned());
  if (planned <= absl::ZeroDuration()) return Fail("planned", "must be positive");
  if (planned > absl::Hours(8)) return Fail("planned", "must be at most 8 hours");
  const absl::Duration minimum = ToDuration(phase.timebox().minimum());
  const absl::Duration maximum = ToDuration(phase.timebox().maximum());
  if (minimum < absl::ZeroDuration()) return Fail("minimum", "must not be negative");
  if (maximum < absl::ZeroDuration()) return Fail("maximum", "must not be negative");
  if (maximum > absl::ZeroDuration() && minimum > maximum) {
    return Fail("maximum", "must not be below minimum");
  }
  if (!phase.segment_slot() && lead_ >= planned) {
    return Fail("planned", "must be longer than the time-warning lead");
  }
  return true;
}

bool TemplateValidator::MeetingFields(const v1::PhaseTemplate& phase) {
  const bool meeting = protocol_->category() == v1::PROTOCOL_CATEGORY_TEAM_MEETING;
  if (!v1::AgendaSection_IsValid(phase.agenda_section())) {
    return Fail("agenda_section", "must be an AgendaSection");
  }
  if (!meeting && phase.agenda_section() != v1::AGENDA_SECTION_UNSPECIFIED) {
    return Fail("agenda_section", "is only for team-meeting templates");
  }
  if (meeting && path_.size() == 1 && phase.agenda_section() == v1::AGENDA_SECTION_UNSPECIFIED) {
    return Fail("agenda_section", "is required in a team-meeting template");
  }
  if (!meeting && phase.attach_case_load_review()) {
    return Fail("attach_case_load_review", "is only for team-meeting templates");
  }
  return true;
}

bool TemplateValidator::Permissions(const v1::PhaseTemplate& phase) {
  std::set<std::pair<int, int>> granted;
  for (int i = 0; i < phase.permissions_size(); ++i) {
    Scope scope(this, "permissions", i);
    if (!Permission(phase, phase.permissions(i), &granted)) return false;
  }
  return true;
}

bool TemplateValidator::Permission(const v1::PhaseTemplate& phase,
                                   const v1::PhasePermission& permission,
                                   std::set<std::pair<int, int>>* granted) {
  if (!ValidRole(permission.role())) return Fail("role", "must be a session role");
  if (phase.case_owner_silent() && permission.role() == v1::SESSION_ROLE_CASE_OWNER) {
    return Fail("role", "the case owner is silent in this phase (case_owner_silent)");
  }
  if (permission.kinds().empty() && !permission.respond_to_hypotheses()) {
    return Fail("kinds", "grant at least one kind or respond_to_hypotheses");
  }
  for (int i = 0; i < permission.kinds_size(); ++i) {
    if (!ValidKind(permission.kinds(i))) return Fail("kinds", i, "must be a contribution kind");
    if (!granted->insert({permission.role(), permission.kinds(i)}).second) {
      return Fail("kinds", i, "is already granted to this role in this phase");
    }
  }
  if (permission.max_per_participant() < 0) return Fail("max_per_participant", "is negative");
  if (permission.max_total() < 0) return Fail("max_total", "is negative");
  if (!v1::PhaseVisibility_IsValid(permission.visibility())) {
    return Fail("visibility", "must be a PhaseVisibility");
  }
  if (permission.has_reference_rule()) {
    Scope scope(this, "reference_rule");
    const v1::ReferenceRule& rule = permission.reference_rule();
    if (!v1::ReferenceRequirement_IsValid(rule.requirement()) ||
        rule.requirement() == v1::REFERENCE_REQUIREMENT_UNSPECIFIED) {
      return Fail("requirement", "must be FORBIDDEN, OPTIONAL or REQUIRED");
    }
    for (int i = 0; i < rule.target_kinds_size(); ++i) {
      if (!ValidKind(rule.target_kinds(i))) return Fail("target_kinds", i, "invalid kind");
    }
    if (!v1::SessionRole_IsValid(rule.target_author_role())) {
      return Fail("target_author_role", "must be a session role");
    }
    if (rule.max_references() < 0 || rule.max_references() > 10) {
      return Fail("max_references", "must be 0-10");
    }
  }
  if (permission.has_requires_prior()) {
    Scope scope(this, "requires_prior");
    if (!ValidKind(permission.requires_prior().kind())) return Fail("kind", "invalid kind");
    if (!v1::SessionRole_IsValid(permission.requires_prior().author_role())) {
      return Fail("author_role", "must be a session role");
    }
  }
  return true;
}

bool TemplateValidator::Criteria(const v1::PhaseTemplate& phase) {
  std::set<std::string> ids;
  for (int i = 0; i < phase.exit_criteria_size(); ++i) {
    Scope scope(this, "exit_criteria", i);
    const v1::ExitCriterion& criterion = phase.exit_criteria(i);
    if (!IsId(criterion.id(), '_')) return Fail("id", "must be lower-case, digits, underscores");
    if (!ids.insert(criterion.id()).second) return Fail("id", "is used twice in this phase");
    if (criterion.description().empty()) return Fail("description", "is required");
    if (!Criterion(phase, criterion)) return false;
  }
  return true;
}

bool TemplateValidator::Criterion(const v1::PhaseTemplate& phase,
                                  const v1::ExitCriterion& criterion) {
  switch (criterion.condition_case()) {
    case v1::ExitCriterion::kContributionCount: {
      Scope scope(this, "contribution_count");
      const v1::ContributionCountCriterion& count = criterion.contribution_count();
      if (!ValidKind(count.kind())) return Fail("kind", "must be a contribution kind");
      if (!v1::SessionRole_IsValid(count.author_role())) return Fail("author_role", "invalid");
      if (count.min_count() < 0) return Fail("min_count", "must not be negative");
      if (count.max_count() < 0 || (count.max_count() > 0 && count.max_count() < count.min_count()))
        return Fail("max_count", "must be 0 (no maximum) or at least min_count");
      if (count.min_count() > 0 && !count.whole_session() &&
          !Grants(phase, count.author_role(), count.kind())) {
        return Fail("kind", "no permission of this phase lets that role add this kind");
      }
      return true;
    }
    case v1::ExitCriterion::kAllHypothesesAnswered:
      for (const v1::PhasePermission& permission : phase.permissions()) {
        if (permission.respond_to_hypotheses()) return true;
      }
      return Fail("all_hypotheses_answered", "no permission of this phase responds to hypotheses");
    case v1::ExitCriterion::kRolesAssigned: {
      Scope scope(this, "roles_assigned");
      const auto& roles = criterion.roles_assigned().roles();
      if (roles.empty()) return Fail("roles", "name at least one role");
      for (int i = 0; i < roles.size(); ++i) {
        if (!ValidRole(roles.Get(i))) return Fail("roles", i, "invalid role");
        const auto& start = protocol_->role_rules().required_at_start();
        const bool at_start = std::find(start.begin(), start.end(), roles.Get(i)) != start.end();
        if (!phase.role_assignment_allowed() && !at_start) {
          return Fail("roles", i, "cannot be assigned in this phase (role_assignment_allowed)");
        }
      }
      return true;
    }
    case v1::ExitCriterion::kEveryParticipantContributed: {
      Scope scope(this, "every_participant_contributed");
      const v1::EveryParticipantContributedCriterion& every =
          criterion.every_participant_contributed();
      if (!ValidRole(every.role())) return Fail("role", "must be a session role");
      if (!ValidKind(every.kind())) return Fail("kind", "must be a contribution kind");
      if (!Grants(phase, every.role(), every.kind())) {
        return Fail("kind", "no permission of this phase lets that role add this kind");
      }
      return true;
    }
    case v1::ExitCriterion::CONDITION_NOT_SET:
      return Fail("", "needs exactly one condition");
  }
  return true;
}

}  // namespace casework::session::internal
