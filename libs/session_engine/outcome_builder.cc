// Builds the SessionRecord of a finished session from its snapshot.
#include "libs/session_engine/outcome_builder.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

v1::RecordedContribution Recorded(const v1::Contribution& c) {
  v1::RecordedContribution out;
  out.set_contribution(c.name());
  out.set_kind(c.kind());
  out.set_author(c.author());
  out.set_phase_id(c.phase_id());
  out.set_text(c.text());
  *out.mutable_references() = c.references();
  *out.mutable_create_time() = c.create_time();
  return out;
}

void CopyHeader(const v1::Session& s, v1::SessionRecord* record) {
  const std::string id = s.name().substr(s.name().rfind('/') + 1);
  record->set_name(absl::StrCat(s.team(), "/sessionRecords/", id));
  record->set_session(s.name());
  record->set_protocol_id(s.protocol_id());
  record->set_protocol_revision(s.protocol_revision());
  record->set_case_(s.case_());
  record->set_meeting(s.meeting());
  record->set_final_state(s.state());
  record->set_end_reason(s.end_reason());
  record->set_facilitator(s.facilitator());
  record->set_case_owner(s.case_owner());
  for (const v1::Participant& p : s.participants()) record->add_participants(p.subject());
  *record->mutable_rotation_overrides() = s.rotation_overrides();
  if (s.has_extended_segment()) *record->mutable_extended_segment() = s.extended_segment();
  *record->mutable_phases() = s.phases();
  if (s.has_case_load_review()) *record->mutable_case_load_review() = s.case_load_review();
  if (s.has_start_time()) *record->mutable_start_time() = s.start_time();
  *record->mutable_end_time() = s.end_time();
  absl::Duration total;
  for (const v1::SessionPhase& phase : s.phases()) total += ToDuration(phase.actual_duration());
  *record->mutable_duration() = ToProtoDuration(total);
  record->set_release_rule(s.release_ballot().rule());
  record->set_release_outcome(s.release_ballot().outcome());
}

// NOTE contributions joined per agenda section, in agenda order.
void AddSectionNotes(const v1::SessionSnapshot& state, v1::SessionRecord* record) {
  std::map<int, std::string> notes;
  for (const v1::Contribution& c : state.session().contributions()) {
    if (c.kind() != v1::CONTRIBUTION_KIND_NOTE || c.phase_index() < 1 ||
        c.phase_index() > state.protocol().phases_size()) {
      continue;
    }
    const auto section = state.protocol().phases(c.phase_index() - 1).agenda_section();
    if (section == v1::AGENDA_SECTION_UNSPECIFIED) continue;
    std::string& text = notes[section];
    absl::StrAppend(&text, text.empty() ? "" : "\n", c.text());
  }
  for (auto& [section, text] : notes) {
    v1::AgendaSectionNotes* entry = record->add_section_notes();
    entry->set_section(static_cast<v1::AgendaSection>(section));
    entry->set_notes(std::move(text));
  }
}

void AddContribution(const v1::Session& s, const v1::Contribution& c, v1::SessionRecord* record) {
  const bool by_case_owner = !s.case_owner().empty() && c.author() == s.case_owner();
  switch (c.kind()) {
    case v1::CONTRIBUTION_KIND_HYPOTHESIS: {
      v1::RecordedHypothesis* h = record->add_hypotheses();
      *h->mutable_hypothesis() = Recorded(c);
      h->set_response(c.hypothesis_feedback().response());
      h->set_comment(c.hypothesis_feedback().comment());
      break;
    }
    case v1::CONTRIBUTION_KIND_REACTION:
    case v1::CONTRIBUTION_KIND_COMMENT:
      if (by_case_owner) *record->add_reactions() = Recorded(c);
      break;
    case v1::CONTRIBUTION_KIND_DECISION:
      *record->add_decisions() = Recorded(c);
      break;
    case v1::CONTRIBUTION_KIND_ACTION_ITEM: {
      v1::RecordedActionItem* item = record->add_action_items();
      *item->mutable_contribution() = Recorded(c);
      item->set_owner(c.action_item().owner());
      item->set_owner_role(c.action_item().owner_role());
      *item->mutable_due_time() = c.action_item().due_time();
      break;
    }
    case v1::CONTRIBUTION_KIND_CHECK_IN: {
      v1::CheckIn* check_in = record->add_check_ins();
      check_in->set_caseworker(c.author());
      check_in->set_success(c.check_in().success());
      check_in->set_challenge(c.check_in().challenge());
      break;
    }
    default:
      break;
  }
}

}  // namespace

absl::StatusOr<v1::SessionRecord> BuildSessionRecord(const v1::SessionSnapshot& state) {
  const v1::Session& s = state.session();
  if (s.state() != v1::SESSION_STATE_ENDED && s.state() != v1::SESSION_STATE_CANCELLED) {
    return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_SESSION_STATE_INVALID,
                   "only a finished session has a record",
                   {{"state", v1::SessionState_Name(s.state()).substr(14)}});
  }
  v1::SessionRecord record;
  CopyHeader(s, &record);
  for (const std::string& name : s.case_owner_questions()) {
    if (const v1::Contribution* question = FindContribution(s, name)) {
      *record.add_case_owner_questions() = Recorded(*question);
      v1::IdeaGroup* group = record.add_idea_groups();
      *group->mutable_question() = Recorded(*question);
      for (const v1::Contribution& c : s.contributions()) {
        if (c.kind() != v1::CONTRIBUTION_KIND_IDEA) continue;
        for (const std::string& reference : c.references()) {
          if (reference == name) *group->add_ideas() = Recorded(c);
        }
      }
    }
  }
  for (const v1::Contribution& c : s.contributions()) AddContribution(s, c, &record);
  AddSectionNotes(state, &record);
  return record;
}

}  // namespace casework::session
