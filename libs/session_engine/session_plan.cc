// Resolves the template a session pins: segment expansion, case-discussion merge, timing overrides.
#include "libs/session_engine/session_plan.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/status_macros.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

constexpr absl::Duration kDefaultWarningLead = absl::Minutes(2);
constexpr absl::Duration kShortestTimebox = absl::Seconds(10);
constexpr absl::Duration kLongestTimebox = absl::Hours(4);

// The stricter of two check modes (OFF < WARN < BLOCK).
v1::CheckMode Stricter(v1::CheckMode a, v1::CheckMode b) { return a > b ? a : b; }

void MergeContentChecks(const v1::ContentChecks& inner, v1::ContentChecks* outer) {
  outer->set_closed_question_mode(
      Stricter(outer->closed_question_mode(), inner.closed_question_mode()));
  outer->set_advice_question_mode(
      Stricter(outer->advice_question_mode(), inner.advice_question_mode()));
  outer->set_identifying_information_mode(
      Stricter(outer->identifying_information_mode(), inner.identifying_information_mode()));
  for (const v1::LanguagePatterns& language : inner.languages()) {
    auto same = std::find_if(outer->mutable_languages()->begin(), outer->mutable_languages()->end(),
                             [&](const v1::LanguagePatterns& l) {
                               return l.language_code() == language.language_code();
                             });
    if (same == outer->mutable_languages()->end()) {
      *outer->add_languages() = language;
      continue;
    }
    same->mutable_closed_question_patterns()->MergeFrom(language.closed_question_patterns());
    same->mutable_open_question_patterns()->MergeFrom(language.open_question_patterns());
    same->mutable_advice_question_patterns()->MergeFrom(language.advice_question_patterns());
    same->mutable_identifying_patterns()->MergeFrom(language.identifying_patterns());
  }
  outer->mutable_extra_identifying_patterns()->MergeFrom(inner.extra_identifying_patterns());
}

// Folds the rules of the protocol that runs inside a case-discussion segment into the meeting's.
void MergeCaseDiscussion(const v1::ProtocolTemplate& inner, v1::ProtocolTemplate* outer) {
  if (inner.role_rules().facilitator_differs_from_case_owner()) {
    outer->mutable_role_rules()->set_facilitator_differs_from_case_owner(true);
  }
  for (const v1::AgreementTemplate& agreement : inner.agreements()) {
    const bool present = std::any_of(
        outer->agreements().begin(), outer->agreements().end(),
        [&](const v1::AgreementTemplate& a) { return a.agreement() == agreement.agreement(); });
    if (!present) *outer->add_agreements() = agreement;
  }
  for (const v1::RoleTitle& title : inner.role_titles()) {
    const bool present =
        std::any_of(outer->role_titles().begin(), outer->role_titles().end(),
                    [&](const v1::RoleTitle& t) { return t.role() == title.role(); });
    if (!present) *outer->add_role_titles() = title;
  }
  MergeContentChecks(inner.content_checks(), outer->mutable_content_checks());
  // Outside the segment, the caseworker who presents the case takes part like any caseworker.
  for (v1::PhaseTemplate& phase : *outer->mutable_phases()) {
    const bool has_case_owner =
        std::any_of(phase.permissions().begin(), phase.permissions().end(),
                    [](const auto& p) { return p.role() == v1::SESSION_ROLE_CASE_OWNER; });
    if (has_case_owner || phase.segment_slot()) continue;
    const auto permissions = phase.permissions();
    for (const v1::PhasePermission& permission : permissions) {
      if (permission.role() != v1::SESSION_ROLE_MEMBER) continue;
      v1::PhasePermission* copy = phase.add_permissions();
      *copy = permission;
      copy->set_role(v1::SESSION_ROLE_CASE_OWNER);
    }
  }
}

// The phases the chosen segment inserts at the slot, or an error for a segment not offered.
absl::StatusOr<std::vector<v1::PhaseTemplate>> SegmentPhases(const v1::ProtocolTemplate& protocol,
                                                             const v1::ExtendedSegment& segment,
                                                             const v1::CommandFacts& facts,
                                                             v1::ProtocolTemplate* resolved) {
  const auto option =
      std::find_if(protocol.segment_options().begin(), protocol.segment_options().end(),
                   [&](const v1::SegmentOption& o) { return o.kind() == segment.kind(); });
  if (option == protocol.segment_options().end()) {
    return FieldInvalid("session.extended_segment.kind", "the protocol does not offer this kind");
  }
  if (segment.title().empty() || segment.title().size() > 200) {
    return FieldInvalid("session.extended_segment.title", "must be 1-200 characters");
  }
  if (segment.kind() != v1::EXTENDED_SEGMENT_KIND_CASE_DISCUSSION) {
    if (!segment.case_discussion_protocol_id().empty()) {
      return FieldInvalid("session.extended_segment.case_discussion_protocol_id",
                          "only a case discussion runs a protocol");
    }
    return std::vector<v1::PhaseTemplate>(option->phases().begin(), option->phases().end());
  }
  const std::string& inner_id = segment.case_discussion_protocol_id();
  const auto& allowed = option->case_discussion_protocol_ids();
  if (std::find(allowed.begin(), allowed.end(), inner_id) == allowed.end()) {
    return FieldInvalid("session.extended_segment.case_discussion_protocol_id",
                        "must be one of the protocols the segment option allows");
  }
  if (!facts.has_case_discussion_protocol() || facts.case_discussion_protocol().id() != inner_id) {
    return FactMissing("case_discussion_protocol");
  }
  const v1::ProtocolTemplate& inner = facts.case_discussion_protocol();
  MergeCaseDiscussion(inner, resolved);
  std::vector<v1::PhaseTemplate> phases(inner.phases().begin(), inner.phases().end());
  if (!phases.empty()) {
    for (const auto role : inner.role_rules().required_at_start()) {
      phases.front().add_required_roles(static_cast<v1::SessionRole>(role));
    }
  }
  return phases;
}

absl::Status ExpandSegment(const v1::Session& requested, const v1::CommandFacts& facts,
                           v1::ProtocolTemplate* resolved) {
  const v1::ProtocolTemplate& protocol = facts.protocol();
  if (protocol.segment_options().empty()) {
    if (requested.has_extended_segment()) {
      return FieldInvalid("session.extended_segment", "the protocol has no segment");
    }
    return absl::OkStatus();
  }
  if (!requested.has_extended_segment()) {
    return FieldInvalid("session.extended_segment", "the protocol requires a segment");
  }
  CASEWORK_ASSIGN_OR_RETURN(std::vector<v1::PhaseTemplate> inserted,
                            SegmentPhases(protocol, requested.extended_segment(), facts, resolved));
  google::protobuf::RepeatedPtrField<v1::PhaseTemplate> phases;
  for (const v1::PhaseTemplate& phase : protocol.phases()) {
    if (!phase.segment_slot()) {
      *phases.Add() = phase;
      continue;
    }
    for (v1::PhaseTemplate& segment_phase : inserted) {
      segment_phase.set_id(absl::StrCat(phase.id(), ".", segment_phase.id()));
      segment_phase.set_agenda_section(v1::AGENDA_SECTION_EXTENDED_SEGMENT);
      *phases.Add() = std::move(segment_phase);
    }
  }
  resolved->mutable_phases()->Swap(&phases);
  resolved->clear_segment_options();
  return absl::OkStatus();
}

bool InRange(const google::protobuf::Duration& timebox) {
  const absl::Duration d = ToDuration(timebox);
  return d >= kShortestTimebox && d <= kLongestTimebox;
}

absl::Status ApplyTimingOverrides(const v1::SessionTimingOverrides& overrides,
                                  v1::ProtocolTemplate* resolved) {
  const std::string field = "session.timing_overrides";
  if (overrides.has_default_timebox()) {
    if (!InRange(overrides.default_timebox())) {
      return FieldInvalid(field + ".default_timebox", "must be between 10 seconds and 4 hours");
    }
    for (v1::PhaseTemplate& phase : *resolved->mutable_phases()) {
      *phase.mutable_timebox()->mutable_planned() = overrides.default_timebox();
    }
  }
  std::set<std::string> seen;
  for (int i = 0; i < overrides.phases_size(); ++i) {
    const v1::PhaseTimeboxOverride& entry = overrides.phases(i);
    const std::string at = absl::StrCat(field, ".phases[", i, "]");
    auto phase =
        std::find_if(resolved->mutable_phases()->begin(), resolved->mutable_phases()->end(),
                     [&](const v1::PhaseTemplate& p) { return p.id() == entry.phase_id(); });
    if (phase == resolved->mutable_phases()->end() || !seen.insert(entry.phase_id()).second) {
      return FieldInvalid(at + ".phase_id", "must name a phase of the session, at most once");
    }
    if (!InRange(entry.timebox())) {
      return FieldInvalid(at + ".timebox", "must be between 10 seconds and 4 hours");
    }
    *phase->mutable_timebox()->mutable_planned() = entry.timebox();
  }
  if (overrides.has_time_warning_lead()) {
    if (ToDuration(overrides.time_warning_lead()) <= absl::ZeroDuration()) {
      return FieldInvalid(field + ".time_warning_lead", "must be positive");
    }
    *resolved->mutable_time_warning_lead() = overrides.time_warning_lead();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::ProtocolTemplate> ResolveSessionProtocol(const v1::Session& requested,
                                                            const v1::CommandFacts& facts) {
  v1::ProtocolTemplate resolved = facts.protocol();
  CASEWORK_RETURN_IF_ERROR(ExpandSegment(requested, facts, &resolved));
  CASEWORK_RETURN_IF_ERROR(ApplyTimingOverrides(requested.timing_overrides(), &resolved));
  if (!resolved.has_time_warning_lead()) {
    *resolved.mutable_time_warning_lead() = ToProtoDuration(kDefaultWarningLead);
  }
  const absl::Duration lead = ToDuration(resolved.time_warning_lead());
  for (const v1::PhaseTemplate& phase : resolved.phases()) {
    if (ToDuration(phase.timebox().planned()) <= lead) {
      return FieldInvalid("session.timing_overrides",
                          absl::StrCat("the time-warning lead must be shorter than the timebox of "
                                       "phase \"",
                                       phase.id(), "\""));
    }
  }
  return resolved;
}

void PlanPhases(const v1::ProtocolTemplate& resolved, v1::Session* session) {
  session->clear_phases();
  for (int i = 0; i < resolved.phases_size(); ++i) {
    v1::SessionPhase* phase = session->add_phases();
    phase->set_phase_id(resolved.phases(i).id());
    phase->set_index(i + 1);
    phase->set_title(resolved.phases(i).title());
    *phase->mutable_planned_timebox() = resolved.phases(i).timebox().planned();
    phase->set_status(v1::PHASE_STATUS_PENDING);
  }
}

}  // namespace casework::session
