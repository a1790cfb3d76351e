// Session limits: what each event weighs, the running total, and the refusal.
//
// A weight bounds both what the event adds to the session (and so to GetSession's FULL view) and
// what it adds to the session's record (BuildSessionRecord, plus what the records service adds
// when it stores it), so one total bounds both messages. The allowances below are protobuf
// framing: a tag and a length per nested message, at most 16 bytes per timestamp.
#include "libs/session_engine/session_limits.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/session_queries.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

int64_t Size(const google::protobuf::MessageLite& message) {
  return static_cast<int64_t>(message.ByteSizeLong());
}

// What a contribution needs beyond its stored size: its framing in Session.contributions and a
// projection's content_withheld flag (8); a sealed entry's later reveal_time (16); a hypothesis's
// feedback — response, time, the comment's framing — and its RecordedHypothesis wrapper (40; the
// comment itself is counted when it is given).
int64_t Allowance(const v1::Contribution& c) {
  int64_t bytes = 8;
  if (c.visibility() == v1::CONTRIBUTION_VISIBILITY_SEALED) bytes += 16;
  if (c.kind() == v1::CONTRIBUTION_KIND_HYPOTHESIS) bytes += 40;
  return bytes;
}

// How many times the record may hold the contribution. Any QUESTION may become one of the case
// owner's (roles can change after it was asked): the record lists those in
// `case_owner_questions` and again in their idea group. An IDEA is filed under every case-owner
// question it references. An ACTION_ITEM comes back from the records service with the name of
// the action item it created, which is shorter than the contribution's.
int RecordCopies(const v1::Session& before, const v1::Contribution& c) {
  switch (c.kind()) {
    case v1::CONTRIBUTION_KIND_QUESTION:
    case v1::CONTRIBUTION_KIND_ACTION_ITEM:
      return 2;
    case v1::CONTRIBUTION_KIND_IDEA: {
      int questions = 0;
      for (const std::string& reference : c.references()) {
        const v1::Contribution* target = FindContribution(before, reference);
        if (target != nullptr && target->kind() == v1::CONTRIBUTION_KIND_QUESTION) ++questions;
      }
      return std::max(1, questions);
    }
    default:
      return 1;
  }
}

int64_t ContributionWeight(const v1::Session& before, const v1::Contribution& c) {
  return RecordCopies(before, c) * (Size(c) + Allowance(c));
}

// A participant entry, their release vote and their line in the record's participants.
int64_t ParticipantWeight(const std::string& subject) {
  return 2 * static_cast<int64_t>(subject.size()) + 96;
}

int64_t TurnWeight(const std::string& participant) {
  return participant.empty() ? 0 : static_cast<int64_t>(participant.size()) + 32;
}

int64_t PhaseEndWeight(const v1::PhaseEnded& ended) {
  int64_t bytes = static_cast<int64_t>(ended.override_reason().size()) + 4;
  for (const std::string& id : ended.overridden_criteria()) {
    bytes += static_cast<int64_t>(id.size()) + 2;
  }
  return bytes;
}

bool Refusable(const v1::SessionCommand& command) {
  switch (command.command_case()) {
    case v1::SessionCommand::kJoinSession:
    case v1::SessionCommand::kAddContribution:
    case v1::SessionCommand::kRespondToHypothesis:
    case v1::SessionCommand::kGiveTurn:
    case v1::SessionCommand::kAssignRoles:
      return true;
    default:
      return false;
  }
}

absl::Status LimitReached(absl::string_view limit, int64_t value, absl::string_view what) {
  return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_SESSION_LIMIT_REACHED,
                 absl::StrCat("the session is full: it may hold at most ", value, " ", what),
                 {{"limit", std::string(limit)}, {"value", absl::StrCat(value)}});
}

// What a session holds, weighed as if each part had just been added (the references of an idea
// resolve in the session itself). Only for sessions folded before usage was kept.
int64_t Recount(const v1::Session& s) {
  const bool ended =
      s.state() == v1::SESSION_STATE_ENDED || s.state() == v1::SESSION_STATE_CANCELLED;
  int64_t bytes = ended ? static_cast<int64_t>(s.end_reason().size()) + 4 : 0;
  for (const v1::Participant& p : s.participants()) bytes += ParticipantWeight(p.subject());
  for (const v1::Contribution& c : s.contributions()) {
    bytes +=
        ContributionWeight(s, c) + static_cast<int64_t>(c.hypothesis_feedback().comment().size());
  }
  for (const v1::Turn& turn : s.turns()) bytes += TurnWeight(turn.participant());
  for (const v1::RotationOverride& entry : s.rotation_overrides()) bytes += Size(entry) + 8;
  for (const v1::SessionPhase& phase : s.phases()) {
    if (!phase.has_end_time()) continue;  // only ended phases appended a PhaseEnded
    bytes += static_cast<int64_t>(phase.override_reason().size()) + 4;
    for (const std::string& id : phase.overridden_criteria()) {
      bytes += static_cast<int64_t>(id.size()) + 2;
    }
  }
  if (s.has_case_load_review()) bytes += Size(s.case_load_review()) + 8;
  return bytes;
}

}  // namespace

v1::SessionLimits EffectiveLimits(const v1::ProtocolTemplate& protocol) {
  v1::SessionLimits limits = protocol.session_limits();
  if (limits.max_contributions() <= 0 || limits.max_contributions() > kMaxContributionsPerSession) {
    limits.set_max_contributions(kMaxContributionsPerSession);
  }
  if (limits.max_content_bytes() <= 0 || limits.max_content_bytes() > kMaxContentBytesPerSession) {
    limits.set_max_content_bytes(kMaxContentBytesPerSession);
  }
  return limits;
}

int64_t ContentWeight(const v1::Session& before, const v1::SessionEvent& event) {
  switch (event.payload_case()) {
    case v1::SessionEvent::kParticipantJoined: {
      const std::string& subject = event.participant_joined().participant();
      return FindParticipant(before, subject) == nullptr ? ParticipantWeight(subject) : 0;
    }
    case v1::SessionEvent::kContributionAdded:
      return ContributionWeight(before, event.contribution_added().contribution());
    case v1::SessionEvent::kHypothesisResponded:
      return static_cast<int64_t>(event.hypothesis_responded().comment().size());
    case v1::SessionEvent::kTurnGiven:
      return TurnWeight(event.turn_given().participant());
    case v1::SessionEvent::kRolesAssigned: {
      int64_t bytes = 0;
      for (const v1::RotationOverride& entry : event.roles_assigned().rotation_overrides()) {
        bytes += Size(entry) + 8;
      }
      return bytes;
    }
    case v1::SessionEvent::kPhaseEnded:
      return PhaseEndWeight(event.phase_ended());
    case v1::SessionEvent::kSessionEnded:
      return static_cast<int64_t>(event.session_ended().reason().size()) + 4;
    case v1::SessionEvent::kCaseLoadReviewAttached:
      return Size(event.case_load_review_attached().review()) + 8;
    default:
      return 0;
  }
}

int64_t ContentBytesUsed(const v1::Session& session) {
  if (session.usage().content_bytes() > 0) return session.usage().content_bytes();
  return Recount(session);
}

absl::Status CheckSessionLimits(const v1::SessionSnapshot& state, const v1::SessionCommand& command,
                                const std::vector<v1::SessionEvent>& events) {
  if (events.empty() || !Refusable(command)) return absl::OkStatus();
  const v1::Session& session = state.session();
  const v1::SessionLimits limits = EffectiveLimits(state.protocol());
  int added = 0;
  int64_t bytes = 0;
  for (const v1::SessionEvent& event : events) {
    if (event.has_contribution_added()) ++added;
    bytes += ContentWeight(session, event);
  }
  if (added > 0 && session.contributions_size() + added > limits.max_contributions()) {
    return LimitReached("max_contributions", limits.max_contributions(), "contributions");
  }
  if (bytes > 0 && ContentBytesUsed(session) + bytes > limits.max_content_bytes()) {
    return LimitReached("max_content_bytes", limits.max_content_bytes(), "bytes of content");
  }
  return absl::OkStatus();
}

}  // namespace casework::session
