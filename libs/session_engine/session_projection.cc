// Per-viewer projections of sessions and events.
#include "libs/session_engine/session_projection.h"

#include <algorithm>
#include <vector>

#include "libs/session_engine/session_limits.h"
#include "libs/session_engine/session_queries.h"

namespace casework::session {

namespace v1 = ::casework::v1;

namespace {

// Whether entries of the running phase may be sealed: sealed entries exist only there (leaving a
// phase reveals them).
bool SealedWritingRuns(const v1::SessionSnapshot& state) {
  const v1::PhaseTemplate* phase = CurrentPhaseTemplate(state);
  if (phase == nullptr) return false;
  if (phase->visibility() == v1::PHASE_VISIBILITY_SEALED_UNTIL_REVEAL) return true;
  for (const v1::PhasePermission& permission : phase->permissions()) {
    if (permission.visibility() == v1::PHASE_VISIBILITY_SEALED_UNTIL_REVEAL) return true;
  }
  return false;
}

}  // namespace

v1::Contribution ProjectContribution(const v1::Contribution& contribution,
                                     const v1::Principal& viewer) {
  v1::Contribution out = contribution;
  if (ContentVisibleTo(contribution, viewer.subject())) return out;
  out.set_content_withheld(true);
  out.clear_text();
  out.clear_references();
  out.clear_details();
  out.clear_flags();
  return out;
}

namespace {

// Copies one set field of `from` into `to` (same message type) by reflection.
void CopyField(const google::protobuf::Message& from,
               const google::protobuf::FieldDescriptor* field, google::protobuf::Message* to) {
  using FD = google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* r = from.GetReflection();
  const google::protobuf::Reflection* w = to->GetReflection();
  if (field->is_repeated()) {
    for (int i = 0; i < r->FieldSize(from, field); ++i) {
      switch (field->cpp_type()) {
        case FD::CPPTYPE_MESSAGE:
          w->AddMessage(to, field)->CopyFrom(r->GetRepeatedMessage(from, field, i));
          break;
        case FD::CPPTYPE_STRING:
          w->AddString(to, field, r->GetRepeatedString(from, field, i));
          break;
        case FD::CPPTYPE_ENUM:
          w->AddEnumValue(to, field, r->GetRepeatedEnumValue(from, field, i));
          break;
        default:  // the Session message has no repeated scalars but enums
          break;
      }
    }
    return;
  }
  switch (field->cpp_type()) {
    case FD::CPPTYPE_MESSAGE:
      w->MutableMessage(to, field)->CopyFrom(r->GetMessage(from, field));
      break;
    case FD::CPPTYPE_STRING:
      w->SetString(to, field, r->GetString(from, field));
      break;
    case FD::CPPTYPE_ENUM:
      w->SetEnumValue(to, field, r->GetEnumValue(from, field));
      break;
    case FD::CPPTYPE_INT64:
      w->SetInt64(to, field, r->GetInt64(from, field));
      break;
    case FD::CPPTYPE_INT32:
      w->SetInt32(to, field, r->GetInt32(from, field));
      break;
    case FD::CPPTYPE_BOOL:
      w->SetBool(to, field, r->GetBool(from, field));
      break;
    default:
      break;
  }
}

// The session without its contributions, copied field by field: the contributions, most of a
// session's bytes, are never copied just to be dropped.
v1::Session WithoutContributions(const v1::Session& session) {
  v1::Session out;
  const google::protobuf::Reflection* reflection = session.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(session, &fields);
  const google::protobuf::FieldDescriptor* contributions =
      v1::Session::descriptor()->FindFieldByNumber(v1::Session::kContributionsFieldNumber);
  fields.erase(std::remove(fields.begin(), fields.end(), contributions), fields.end());
  for (const google::protobuf::FieldDescriptor* field : fields) {
    CopyField(session, field, &out);
  }
  return out;
}

// How much of its limits the session has used, as any viewer may see it.
void SetUsage(const v1::SessionSnapshot& state, v1::Session* out) {
  out->mutable_usage()->set_contributions(state.session().contributions_size());
  out->mutable_usage()->set_content_bytes(
      SealedWritingRuns(state) ? 0 : ContentBytesUsed(state.session()));
}

}  // namespace

v1::Session ProjectSession(const v1::SessionSnapshot& state, const v1::Principal& viewer,
                           v1::SessionView view) {
  v1::Session out = WithoutContributions(state.session());
  *out.mutable_limits() = EffectiveLimits(state.protocol());
  SetUsage(state, &out);
  // How each participant voted on releasing the record is theirs alone; the count is shared.
  auto* votes = out.mutable_release_ballot()->mutable_votes();
  for (int i = votes->size() - 1; i >= 0; --i) {
    if (votes->Get(i).participant() != viewer.subject()) votes->DeleteSubrange(i, 1);
  }
  if (view == v1::SESSION_VIEW_BASIC) return out;
  for (const v1::Contribution& contribution : state.session().contributions()) {
    *out.add_contributions() = ProjectContribution(contribution, viewer);
  }
  return out;
}

v1::Session ProjectContributionChange(const v1::SessionSnapshot& state) {
  const v1::Session& session = state.session();
  v1::Session out;
  out.set_name(session.name());
  out.set_state(session.state());
  out.set_version(session.version());
  out.set_etag(session.etag());
  SetUsage(state, &out);
  if (session.has_hypotheses()) *out.mutable_hypotheses() = session.hypotheses();
  return out;
}

v1::Session ListingOf(const v1::Session& session) {
  v1::Session listed;
  listed.set_name(session.name());
  listed.set_team(session.team());
  listed.set_protocol_id(session.protocol_id());
  listed.set_protocol_revision(session.protocol_revision());
  listed.set_language_code(session.language_code());
  listed.set_creator(session.creator());
  listed.set_state(session.state());
  *listed.mutable_scheduled_start_time() = session.scheduled_start_time();
  *listed.mutable_create_time() = session.create_time();
  if (session.has_start_time()) *listed.mutable_start_time() = session.start_time();
  if (session.has_end_time()) *listed.mutable_end_time() = session.end_time();
  listed.set_version(session.version());
  return listed;
}

v1::SessionEvent ProjectEvent(const v1::SessionSnapshot& state, const v1::SessionEvent& event,
                              const v1::Principal& viewer) {
  v1::SessionEvent out = event;
  switch (event.payload_case()) {
    case v1::SessionEvent::kSessionCreated:
      out.mutable_session_created()->clear_protocol();
      break;
    case v1::SessionEvent::kContributionAdded:
      *out.mutable_contribution_added()->mutable_contribution() =
          ProjectContribution(event.contribution_added().contribution(), viewer);
      break;
    case v1::SessionEvent::kReleaseVoteCast:
      if (event.release_vote_cast().participant() != viewer.subject()) {
        out.mutable_release_vote_cast()->clear_choice();
      }
      break;
    case v1::SessionEvent::kContributionsRevealed: {
      v1::ContributionsRevealed* revealed = out.mutable_contributions_revealed();
      revealed->clear_revealed_contributions();
      for (const std::string& name : event.contributions_revealed().contributions()) {
        const v1::Contribution* found = FindContribution(state.session(), name);
        if (found == nullptr) continue;
        v1::Contribution* full = revealed->add_revealed_contributions();
        *full = *found;
        full->set_visibility(v1::CONTRIBUTION_VISIBILITY_REVEALED);
        *full->mutable_reveal_time() = event.event_time();
      }
      break;
    }
    default:
      break;
  }
  return out;
}

bool SeesMoreThanOthers(const v1::SessionEvent& event, const v1::Principal& viewer) {
  switch (event.payload_case()) {
    case v1::SessionEvent::kContributionAdded: {
      const v1::Contribution& contribution = event.contribution_added().contribution();
      return ContentVisibleTo(contribution, viewer.subject()) &&
             !ContentVisibleTo(contribution, "");
    }
    case v1::SessionEvent::kReleaseVoteCast:
      return event.release_vote_cast().participant() == viewer.subject();
    default:
      return false;
  }
}

}  // namespace casework::session
