// Per-viewer projections of sessions and events.
#include "services/session/engine/session_projection.h"

#include "services/session/engine/session_queries.h"

namespace casework::session {

namespace v1 = ::casework::v1;

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

v1::Session ProjectSession(const v1::SessionSnapshot& state, const v1::Principal& viewer,
                           v1::SessionView view) {
  v1::Session out = state.session();
  out.clear_contributions();
  if (view == v1::SESSION_VIEW_BASIC) return out;
  for (const v1::Contribution& contribution : state.session().contributions()) {
    *out.add_contributions() = ProjectContribution(contribution, viewer);
  }
  return out;
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

}  // namespace casework::session
