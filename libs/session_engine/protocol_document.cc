// Renders the protocol reference tables of docs/PROTOCOLS.md from the templates.
#include "libs/session_engine/protocol_document.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "libs/session_engine/session_limits.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

std::string Lower(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return c == '_' ? ' ' : static_cast<char>(std::tolower(c));
  });
  return name;
}

std::string Minutes(const google::protobuf::Duration& duration) {
  const absl::Duration d = ToDuration(duration);
  if (d < absl::Minutes(1)) return absl::StrCat(absl::ToInt64Seconds(d), " s");
  return absl::StrCat(absl::ToDoubleMinutes(d), " min");
}

std::string RoleTitle(const v1::ProtocolTemplate& p, v1::SessionRole role) {
  for (const v1::RoleTitle& title : p.role_titles()) {
    if (title.role() == role) return title.title();
  }
  return Lower(RoleName(role));
}

std::string Kinds(const v1::PhasePermission& permission) {
  std::vector<std::string> kinds;
  for (const auto kind : permission.kinds()) {
    kinds.push_back(Lower(KindName(static_cast<v1::ContributionKind>(kind))));
  }
  if (permission.respond_to_hypotheses()) kinds.push_back("agree/disagree with hypotheses");
  return absl::StrJoin(kinds, ", ");
}

std::string PermissionCell(const v1::ProtocolTemplate& p, const v1::PhasePermission& perm) {
  std::string cell = absl::StrCat("**", RoleTitle(p, perm.role()), "**: ", Kinds(perm));
  std::vector<std::string> notes;
  if (perm.max_per_participant() > 0)
    notes.push_back(absl::StrCat("≤", perm.max_per_participant(), " each"));
  if (perm.max_total() > 0) notes.push_back(absl::StrCat("≤", perm.max_total(), " in all"));
  if (perm.has_reference_rule() &&
      perm.reference_rule().requirement() == v1::REFERENCE_REQUIREMENT_REQUIRED) {
    std::vector<std::string> targets;
    for (const auto kind : perm.reference_rule().target_kinds()) {
      targets.push_back(Lower(KindName(static_cast<v1::ContributionKind>(kind))));
    }
    notes.push_back(absl::StrCat(
        "must reference ", absl::StrJoin(targets, "/"),
        perm.reference_rule().target_author_role() != v1::SESSION_ROLE_UNSPECIFIED
            ? absl::StrCat(" of the ", RoleTitle(p, perm.reference_rule().target_author_role()))
            : ""));
  }
  if (perm.visibility() == v1::PHASE_VISIBILITY_PUBLIC) notes.push_back("public");
  if (perm.visibility() == v1::PHASE_VISIBILITY_SEALED_UNTIL_REVEAL) notes.push_back("sealed");
  if (perm.exempt_from_turn_taking()) notes.push_back("without the turn");
  if (perm.facilitator_may_record()) notes.push_back("facilitator may record");
  if (perm.has_requires_prior()) {
    notes.push_back(absl::StrCat("after the ", RoleTitle(p, perm.requires_prior().author_role()),
                                 "'s ", Lower(KindName(perm.requires_prior().kind()))));
  }
  if (!notes.empty()) absl::StrAppend(&cell, " (", absl::StrJoin(notes, "; "), ")");
  return cell;
}

std::string RulesCell(const v1::ProtocolTemplate& p, const v1::PhaseTemplate& phase) {
  std::vector<std::string> rules;
  if (phase.visibility() == v1::PHASE_VISIBILITY_SEALED_UNTIL_REVEAL) {
    rules.push_back("sealed until revealed");
  }
  if (phase.turn_taking()) rules.push_back("turn-taking");
  if (phase.case_owner_silent()) {
    rules.push_back(absl::StrCat(RoleTitle(p, v1::SESSION_ROLE_CASE_OWNER), " silent"));
  }
  for (const auto check : phase.question_checks()) {
    rules.push_back(check == v1::QUESTION_CHECK_CLOSED_QUESTION ? "closed questions checked"
                                                                : "advice-as-question checked");
  }
  if (phase.role_assignment_allowed()) rules.push_back("roles assigned here");
  if (phase.attach_case_load_review()) rules.push_back("case-load review attached");
  if (phase.segment_slot()) rules.push_back("segment inserted here");
  return absl::StrJoin(rules, "; ");
}

std::string CriteriaCell(const v1::PhaseTemplate& phase) {
  std::vector<std::string> criteria;
  for (const v1::ExitCriterion& criterion : phase.exit_criteria()) {
    criteria.push_back(absl::StrCat("`", criterion.id(), "`",
                                    criterion.overridable() ? " (overridable)" : "", ": ",
                                    criterion.description()));
  }
  return absl::StrJoin(criteria, ", ");
}

std::string Escape(absl::string_view text) { return absl::StrReplaceAll(text, {{"|", "\\|"}}); }

void RenderPhases(const v1::ProtocolTemplate& p,
                  const google::protobuf::RepeatedPtrField<v1::PhaseTemplate>& phases,
                  std::string* out) {
  absl::StrAppend(out, "| # | phase | timebox | who may add what | rules | exit criteria |\n",
                  "|---|---|---|---|---|---|\n");
  for (int i = 0; i < phases.size(); ++i) {
    const v1::PhaseTemplate& phase = phases.Get(i);
    std::string timebox = Minutes(phase.timebox().planned());
    if (phase.timebox().has_minimum() || phase.timebox().has_maximum()) {
      absl::StrAppend(&timebox, " (", Minutes(phase.timebox().minimum()), "–",
                      Minutes(phase.timebox().maximum()), ")");
    }
    std::vector<std::string> permissions;
    for (const v1::PhasePermission& perm : phase.permissions()) {
      permissions.push_back(PermissionCell(p, perm));
    }
    absl::StrAppend(out, "| ", i + 1, " | ", Escape(phase.title()), " `", phase.id(), "` | ",
                    timebox, " | ", Escape(absl::StrJoin(permissions, "<br>")), " | ",
                    RulesCell(p, phase), " | ", CriteriaCell(phase), " |\n");
  }
}

void RenderHeader(const v1::ProtocolTemplate& p, std::string* out) {
  absl::StrAppend(out, "### ", p.title(), " — `", p.id(), "`\n\n");
  const v1::ParticipantLimits& limits = p.participant_limits();
  std::vector<std::string> facts;
  facts.push_back(
      absl::StrCat("Category: ", Lower(v1::ProtocolCategory_Name(p.category()).substr(18))));
  facts.push_back(absl::StrCat(
      "Members (besides ", RoleTitle(p, v1::SESSION_ROLE_FACILITATOR),
      UsesCaseOwner(p) ? absl::StrCat(" and ", RoleTitle(p, v1::SESSION_ROLE_CASE_OWNER)) : "",
      "): ", limits.min_members(), "–",
      limits.max_members() > 0 ? absl::StrCat(limits.max_members()) : "any"));
  const v1::SessionLimits bounds = EffectiveLimits(p);
  facts.push_back(absl::StrCat("Session limits: ", bounds.max_contributions(), " contributions, ",
                               bounds.max_content_bytes(), " bytes of content"));
  std::vector<std::string> start;
  for (const auto role : p.role_rules().required_at_start()) {
    start.push_back(RoleTitle(p, static_cast<v1::SessionRole>(role)));
  }
  facts.push_back(absl::StrCat("Roles needed to start: ", absl::StrJoin(start, ", ")));
  std::vector<std::string> rules;
  if (p.role_rules().facilitator_differs_from_case_owner() && UsesCaseOwner(p)) {
    rules.push_back(absl::StrCat(RoleTitle(p, v1::SESSION_ROLE_FACILITATOR), " ≠ ",
                                 RoleTitle(p, v1::SESSION_ROLE_CASE_OWNER)));
  }
  if (p.role_rules().rotate_facilitator()) {
    rules.push_back(absl::StrCat(RoleTitle(p, v1::SESSION_ROLE_FACILITATOR),
                                 " differs from the team's previous session"));
  }
  if (p.role_rules().rotate_case_owner()) {
    rules.push_back(absl::StrCat(RoleTitle(p, v1::SESSION_ROLE_CASE_OWNER),
                                 " differs from the team's previous session"));
  }
  for (const auto role : p.role_rules().facilitator_team_roles()) {
    rules.push_back(
        absl::StrCat(RoleTitle(p, v1::SESSION_ROLE_FACILITATOR), " holds team role ",
                     Lower(v1::TeamRole_Name(static_cast<v1::TeamRole>(role)).substr(10))));
  }
  if (!rules.empty()) facts.push_back(absl::StrCat("Role rules: ", absl::StrJoin(rules, "; ")));
  std::vector<std::string> agreements;
  for (const v1::AgreementTemplate& agreement : p.agreements())
    agreements.push_back(agreement.title());
  facts.push_back(
      absl::StrCat("Agreements before contributing: ", absl::StrJoin(agreements, ", ")));
  const v1::ContentChecks& checks = p.content_checks();
  auto mode = [](v1::CheckMode m) { return Lower(v1::CheckMode_Name(m).substr(11)); };
  facts.push_back(absl::StrCat("Checks: closed questions ", mode(checks.closed_question_mode()),
                               ", advice as question ", mode(checks.advice_question_mode()),
                               ", identifying information ",
                               mode(checks.identifying_information_mode())));
  facts.push_back(
      absl::StrCat("Time warning: ",
                   Minutes(p.time_warning_lead().seconds() > 0 ? p.time_warning_lead()
                                                               : ToProtoDuration(absl::Minutes(2))),
                   " before each deadline"));
  for (const std::string& fact : facts) absl::StrAppend(out, "- ", fact, "\n");
  absl::StrAppend(out, "\n");
}

}  // namespace

std::string RenderProtocolReference(const std::vector<v1::ProtocolTemplate>& protocols) {
  std::string out;
  for (const v1::ProtocolTemplate& p : protocols) {
    RenderHeader(p, &out);
    RenderPhases(p, p.phases(), &out);
    for (const v1::SegmentOption& option : p.segment_options()) {
      absl::StrAppend(&out, "\nSegment option **", option.title(), "**");
      if (!option.case_discussion_protocol_ids().empty()) {
        absl::StrAppend(&out, ": runs `",
                        absl::StrJoin(option.case_discussion_protocol_ids(), "` or `"),
                        "` inside the meeting\n");
        continue;
      }
      absl::StrAppend(&out, ":\n\n");
      RenderPhases(p, option.phases(), &out);
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

absl::StatusOr<std::string> ReplaceGeneratedSection(absl::string_view document,
                                                    absl::string_view generated) {
  const size_t begin = document.find(kGeneratedBegin);
  const size_t end = document.find(kGeneratedEnd);
  if (begin == absl::string_view::npos || end == absl::string_view::npos || end < begin) {
    return absl::FailedPreconditionError("the document lacks the generated-section markers");
  }
  const size_t content = begin + kGeneratedBegin.size();
  return absl::StrCat(document.substr(0, content), "\n", generated, document.substr(end));
}

}  // namespace casework::session
