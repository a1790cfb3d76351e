// Read-only questions about a session snapshot.
#include "libs/session_engine/session_queries.h"

#include <algorithm>
#include <string>

#include "absl/strings/match.h"

namespace casework::session {

namespace v1 = ::casework::v1;

const v1::Participant* FindParticipant(const v1::Session& session, absl::string_view subject) {
  if (subject.empty()) return nullptr;
  for (const v1::Participant& participant : session.participants()) {
    if (participant.subject() == subject) return &participant;
  }
  return nullptr;
}

std::vector<v1::SessionRole> RolesOf(const v1::Session& session, absl::string_view subject) {
  std::vector<v1::SessionRole> roles;
  if (!subject.empty() && session.facilitator() == subject) {
    roles.push_back(v1::SESSION_ROLE_FACILITATOR);
  }
  if (!subject.empty() && session.case_owner() == subject) {
    roles.push_back(v1::SESSION_ROLE_CASE_OWNER);
  }
  if (roles.empty()) roles.push_back(v1::SESSION_ROLE_MEMBER);
  return roles;
}

bool HoldsRole(const v1::Session& session, absl::string_view subject, v1::SessionRole role) {
  const std::vector<v1::SessionRole> roles = RolesOf(session, subject);
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool RoleAssigned(const v1::Session& session, v1::SessionRole role) {
  switch (role) {
    case v1::SESSION_ROLE_FACILITATOR:
      return !session.facilitator().empty();
    case v1::SESSION_ROLE_CASE_OWNER:
      return !session.case_owner().empty();
    case v1::SESSION_ROLE_MEMBER:
      return CountMembers(session) > 0;
    default:
      return false;
  }
}

int CountMembers(const v1::Session& session) {
  int members = 0;
  for (const v1::Participant& participant : session.participants()) {
    if (participant.subject() != session.facilitator() &&
        participant.subject() != session.case_owner()) {
      ++members;
    }
  }
  return members;
}

bool UsesCaseOwner(const v1::ProtocolTemplate& protocol) {
  for (const int role : protocol.role_rules().required_at_start()) {
    if (role == v1::SESSION_ROLE_CASE_OWNER) return true;
  }
  for (const v1::PhaseTemplate& phase : protocol.phases()) {
    if (phase.case_owner_silent()) return true;
    for (const v1::PhasePermission& permission : phase.permissions()) {
      if (permission.role() == v1::SESSION_ROLE_CASE_OWNER) return true;
    }
  }
  return false;
}

bool AgreementsComplete(const v1::Participant& participant, const v1::ProtocolTemplate& protocol) {
  for (const v1::AgreementTemplate& agreement : protocol.agreements()) {
    const auto& acknowledged = participant.acknowledged_agreements();
    if (std::find(acknowledged.begin(), acknowledged.end(), agreement.agreement()) ==
        acknowledged.end()) {
      return false;
    }
  }
  return true;
}

const v1::PhaseTemplate* CurrentPhaseTemplate(const v1::SessionSnapshot& state) {
  if (!state.session().has_current_phase()) return nullptr;
  const int index = state.session().current_phase().index();
  if (index < 1 || index > state.protocol().phases_size()) return nullptr;
  return &state.protocol().phases(index - 1);
}

int FindContributionIndex(const v1::Session& session, absl::string_view name) {
  // Names end in "/contributions/{n}" with n the 1-based position; try that first.
  const size_t slash = name.rfind('/');
  if (slash != absl::string_view::npos && absl::EndsWith(name.substr(0, slash), "/contributions")) {
    int position = 0;
    for (char c : name.substr(slash + 1)) {
      if (c < '0' || c > '9' || position > 1'000'000) {
        position = -1;
        break;
      }
      position = position * 10 + (c - '0');
    }
    if (position >= 1 && position <= session.contributions_size() &&
        session.contributions(position - 1).name() == name) {
      return position - 1;
    }
  }
  for (int i = 0; i < session.contributions_size(); ++i) {
    if (session.contributions(i).name() == name) return i;
  }
  return -1;
}

const v1::Contribution* FindContribution(const v1::Session& session, absl::string_view name) {
  const int index = FindContributionIndex(session, name);
  return index < 0 ? nullptr : &session.contributions(index);
}

bool ContentVisibleTo(const v1::Contribution& contribution, absl::string_view viewer) {
  return contribution.visibility() != v1::CONTRIBUTION_VISIBILITY_SEALED ||
         (!viewer.empty() && contribution.author() == viewer);
}

std::vector<const v1::PhasePermission*> PermissionsFor(const v1::PhaseTemplate& phase,
                                                       const std::vector<v1::SessionRole>& roles) {
  std::vector<const v1::PhasePermission*> out;
  for (const v1::PhasePermission& permission : phase.permissions()) {
    if (std::find(roles.begin(), roles.end(), permission.role()) != roles.end()) {
      out.push_back(&permission);
    }
  }
  return out;
}

bool ContainsKind(const v1::PhasePermission& permission, v1::ContributionKind kind) {
  return std::find(permission.kinds().begin(), permission.kinds().end(), kind) !=
         permission.kinds().end();
}

std::string RoleName(v1::SessionRole role) {
  std::string name = v1::SessionRole_Name(role);
  constexpr absl::string_view kPrefix = "SESSION_ROLE_";
  if (absl::StartsWith(name, kPrefix)) name.erase(0, kPrefix.size());
  return name;
}

std::string KindName(v1::ContributionKind kind) {
  std::string name = v1::ContributionKind_Name(kind);
  constexpr absl::string_view kPrefix = "CONTRIBUTION_KIND_";
  if (absl::StartsWith(name, kPrefix)) name.erase(0, kPrefix.size());
  return name;
}

v1::RecordRelease EffectiveRecordRelease(const v1::ProtocolTemplate& protocol) {
  return protocol.record_release() == v1::RECORD_RELEASE_UNSPECIFIED ? v1::RECORD_RELEASE_BY_CONSENT
                                                                     : protocol.record_release();
}

v1::ReleaseChoice ReleaseChoiceOf(const v1::Session& session, absl::string_view participant) {
  for (const v1::ReleaseVote& vote : session.release_ballot().votes()) {
    if (vote.participant() == participant) return vote.choice();
  }
  return v1::RELEASE_CHOICE_UNSPECIFIED;
}

int CountContributions(const v1::SessionSnapshot& state, int phase_index,
                       const std::function<bool(v1::ContributionKind, const std::string&)>& match) {
  int count = 0;
  for (const v1::ContributionTally& tally : state.contribution_tallies()) {
    if (tally.phase_index() == phase_index && match(tally.kind(), tally.author())) {
      count += tally.count();
    }
  }
  return count;
}

void RebuildTallies(v1::SessionSnapshot* state) {
  state->clear_contribution_tallies();
  for (const v1::Contribution& c : state->session().contributions()) CountContribution(c, state);
}

void CountContribution(const v1::Contribution& contribution, v1::SessionSnapshot* state) {
  for (v1::ContributionTally& tally : *state->mutable_contribution_tallies()) {
    if (tally.phase_index() == contribution.phase_index() && tally.kind() == contribution.kind() &&
        tally.author() == contribution.author()) {
      tally.set_count(tally.count() + 1);
      return;
    }
  }
  v1::ContributionTally* tally = state->add_contribution_tallies();
  tally->set_phase_index(contribution.phase_index());
  tally->set_kind(contribution.kind());
  tally->set_author(contribution.author());
  tally->set_count(1);
}

bool ConcernsOrganisation(const v1::SessionEvent& event) {
  switch (event.payload_case()) {
    case v1::SessionEvent::kSessionStarted:
    case v1::SessionEvent::kSessionEnded:
    case v1::SessionEvent::kPhaseTimeWarning:
    case v1::SessionEvent::kPhaseOverrun:
      return true;
    default:
      return false;
  }
}

}  // namespace casework::session
