// The model-based invariants of the session engine.
#include "libs/session_engine/testing/invariants.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "casework/v1/errors.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/session_projection.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/errors.h"

namespace casework::session::testing {
namespace {

// The "zq<n>z" marker of a generated text, or "".
std::string MarkerOf(const std::string& text) {
  const size_t begin = text.find("zq");
  if (begin == std::string::npos) return "";
  const size_t end = text.find('z', begin + 2);
  return end == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

v1::Principal Viewer(const std::string& subject) {
  v1::Principal principal;
  principal.set_subject(subject);
  return principal;
}

}  // namespace

std::string InvariantChecker::CheckRefusal(const absl::Status& status) const {
  const std::string reason = ErrorReason(status);
  v1::ErrorReason parsed;
  if (!v1::ErrorReason_Parse("ERROR_REASON_" + reason, &parsed)) {
    return absl::StrCat("refusal without a valid ErrorReason: ", status.ToString());
  }
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
      return "";
    case absl::StatusCode::kInternal:
      return parsed == v1::ERROR_REASON_COMMAND_FACTS_MISSING ||
                     parsed == v1::ERROR_REASON_PROTOCOL_INVALID
                 ? ""
                 : status.ToString();
    default:
      return absl::StrCat("unexpected code: ", status.ToString());
  }
}

std::string InvariantChecker::CheckContribution(const v1::Session& s,
                                                const v1::ProtocolTemplate& protocol,
                                                const v1::Contribution& c) const {
  if (s.state() != v1::SESSION_STATE_IN_PROGRESS) return "contribution while not in progress";
  if (c.phase_id() != s.current_phase().phase_id() || c.phase_index() != s.current_phase().index())
    return absl::StrCat("contribution outside its phase: ", c.phase_id());
  const v1::Participant* author = FindParticipant(s, c.author());
  if (author == nullptr || !AgreementsComplete(*author, protocol)) {
    return absl::StrCat("contribution by ", c.author(), " without agreements");
  }
  const int index = s.current_phase().index();
  if (index < 1 || index > protocol.phases_size()) return "contribution without a phase";
  const v1::PhaseTemplate* phase = &protocol.phases(index - 1);
  if (phase->case_owner_silent() && HoldsRole(s, c.author(), v1::SESSION_ROLE_CASE_OWNER)) {
    return "the silent case owner contributed";
  }
  for (const v1::PhasePermission* p : PermissionsFor(*phase, RolesOf(s, c.author()))) {
    if (!ContainsKind(*p, c.kind())) continue;
    if (phase->turn_taking() && !p->exempt_from_turn_taking() && s.turn_holder() != c.author()) {
      return absl::StrCat(c.author(), " contributed without the turn");
    }
    return "";
  }
  return absl::StrCat("contribution outside its role: ", KindName(c.kind()), " by ", c.author(),
                      " in ", c.phase_id());
}

std::string InvariantChecker::CheckTimers(const v1::Session& before,
                                          const v1::SessionCommand& command, absl::Time now,
                                          const v1::SessionSnapshot& after) const {
  for (const auto& counts : {&warnings_, &overruns_}) {
    for (const auto& [phase, n] : *counts) {
      if (n > 1) return absl::StrCat("more than one warning or overrun in ", phase);
    }
  }
  if (!command.has_tick() || before.state() != v1::SESSION_STATE_IN_PROGRESS) return "";
  const v1::CurrentPhase& current = before.current_phase();
  const absl::Time deadline = ToTime(current.deadline());
  const absl::Duration lead = ToDuration(after.protocol().time_warning_lead());
  auto count = [](const std::map<std::string, int>& m, const std::string& id) {
    auto it = m.find(id);
    return it == m.end() ? 0 : it->second;
  };
  if (now >= deadline &&
      (!after.session().current_phase().overrun() || count(overruns_, current.phase_id()) != 1)) {
    return absl::StrCat("deadline passed without exactly one overrun in ", current.phase_id());
  }
  if (now >= deadline - lead && count(warnings_, current.phase_id()) != 1) {
    return absl::StrCat("warning due without exactly one warning in ", current.phase_id());
  }
  return "";
}

std::string InvariantChecker::CheckSealed(const v1::SessionSnapshot& after,
                                          const std::vector<v1::SessionEvent>& events) const {
  std::vector<std::pair<std::string, std::string>> sealed;  // author, marker
  for (const v1::Contribution& c : after.session().contributions()) {
    const std::string marker = MarkerOf(c.text());
    if (c.visibility() == v1::CONTRIBUTION_VISIBILITY_SEALED && !marker.empty()) {
      sealed.emplace_back(c.author(), marker);
    }
  }
  if (sealed.empty()) return "";
  std::set<std::string> viewers = {"x", after.session().facilitator()};
  for (const v1::Participant& p : after.session().participants()) viewers.insert(p.subject());
  for (const std::string& viewer : viewers) {
    std::string seen =
        ProjectSession(after, Viewer(viewer), v1::SESSION_VIEW_FULL).SerializeAsString();
    for (const v1::SessionEvent& event : events) {
      seen += ProjectEvent(after, event, Viewer(viewer)).SerializeAsString();
    }
    for (const auto& [author, marker] : sealed) {
      if (author != viewer && seen.find(marker) != std::string::npos) {
        return absl::StrCat("sealed text of ", author, " visible to ", viewer);
      }
    }
  }
  return "";
}

std::string InvariantChecker::CheckStep(const v1::Session& before,
                                        const v1::SessionCommand& command,
                                        const std::string& /*subject*/, absl::Time now,
                                        const absl::StatusOr<std::vector<v1::SessionEvent>>& result,
                                        const v1::SessionSnapshot& after) {
  if (!result.ok()) return CheckRefusal(result.status());
  int64_t expected = before.version() + 1;
  for (const v1::SessionEvent& event : *result) {
    if (event.sequence() != expected++) return "sequence not contiguous";
    if (event.has_contribution_added()) {
      if (std::string problem = CheckContribution(before, after.protocol(),
                                                  event.contribution_added().contribution());
          !problem.empty()) {
        return problem;
      }
    }
    if (event.has_phase_time_warning()) ++warnings_[event.phase_time_warning().phase_id()];
    if (event.has_phase_overrun()) ++overruns_[event.phase_overrun().phase_id()];
    log_.push_back(event);
  }
  if (after.session().version() != expected - 1) return "version is not the last sequence";
  if (std::string problem = CheckTimers(before, command, now, after); !problem.empty()) {
    return problem;
  }
  return CheckSealed(after, *result);
}

std::string InvariantChecker::CheckFold(const v1::SessionSnapshot& state) const {
  auto folded = Fold(log_);
  if (!folded.ok()) return folded.status().ToString();
  if (!google::protobuf::util::MessageDifferencer::Equals(*folded, state)) {
    return "the fold of the log differs from the state";
  }
  // Apply keeps the derived fields incrementally; they must equal a recount from scratch.
  v1::SessionSnapshot recounted = state;
  RebuildTallies(&recounted);
  v1::Session* s = recounted.mutable_session();
  s->clear_case_owner_questions();
  v1::HypothesesSummary summary;
  for (const v1::Contribution& c : s->contributions()) {
    if (c.kind() == v1::CONTRIBUTION_KIND_QUESTION && !s->case_owner().empty() &&
        c.author() == s->case_owner()) {
      s->add_case_owner_questions(c.name());
    }
    if (c.kind() != v1::CONTRIBUTION_KIND_HYPOTHESIS) continue;
    summary.set_total(summary.total() + 1);
    const auto response = c.hypothesis_feedback().response();
    if (response != v1::HYPOTHESIS_RESPONSE_UNSPECIFIED) {
      summary.set_answered(summary.answered() + 1);
    }
    if (response == v1::HYPOTHESIS_RESPONSE_AGREE) summary.set_agreed(summary.agreed() + 1);
  }
  *s->mutable_hypotheses() = summary;
  if (!google::protobuf::util::MessageDifferencer::Equals(recounted, state)) {
    return "the incrementally kept tallies or summaries differ from a recount";
  }
  return "";
}

}  // namespace casework::session::testing
