// Helpers of the session-limit tests.
#include "libs/session_engine/testing/bounded_sessions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/session_limits.h"
#include "libs/status/status_macros.h"

namespace casework::session::testing {

std::string Prose(size_t length) {
  static constexpr absl::string_view kSentence =
      "The family and the school met again and talked about the next steps together. ";
  std::string text;
  text.reserve(length + kSentence.size());
  while (text.size() < length) absl::StrAppend(&text, kSentence);
  text.resize(length);
  if (!text.empty() && text.back() == ' ') text.back() = '.';
  return text;
}

v1::SessionCommand AddCommand(v1::ContributionKind kind, absl::string_view text,
                              const std::vector<std::string>& references) {
  static int counter = 0;
  v1::SessionCommand command;
  v1::AddContributionRequest* add = command.mutable_add_contribution();
  add->set_name(std::string(kSessionName));
  add->set_request_id(absl::StrCat("add-", ++counter));
  add->mutable_contribution()->set_kind(kind);
  add->mutable_contribution()->set_text(std::string(text));
  for (const std::string& reference : references) {
    add->mutable_contribution()->add_references(reference);
  }
  return command;
}

int64_t WeightOf(const EngineHarness& h, const v1::SessionCommand& command,
                 absl::string_view subject) {
  v1::SessionSnapshot lifted = h.state();
  lifted.mutable_protocol()->clear_session_limits();
  absl::StatusOr<std::vector<v1::SessionEvent>> events =
      Decide(lifted, command, Person(subject), h.now());
  if (!events.ok() || events->empty()) return -1;
  int64_t weight = 0;
  for (const v1::SessionEvent& event : *events) weight += ContentWeight(h.session(), event);
  return weight;
}

v1::ProtocolTemplate WithLimits(absl::string_view id, absl::string_view new_id,
                                int32_t max_contributions, int64_t max_content_bytes) {
  v1::ProtocolTemplate protocol = *BuiltInProtocols().Find(id);
  protocol.set_id(std::string(new_id));
  protocol.clear_revision();
  protocol.mutable_session_limits()->set_max_contributions(max_contributions);
  protocol.mutable_session_limits()->set_max_content_bytes(max_content_bytes);
  return protocol;
}

absl::Status MeetingInOpening(EngineHarness& h, const v1::ProtocolTemplate& protocol) {
  h.SetTeamRoles("sup", {v1::TEAM_ROLE_SUPERVISOR});
  CASEWORK_RETURN_IF_ERROR(h.CreateCustom(protocol));
  CASEWORK_RETURN_IF_ERROR(h.SetUpLobby("sup", "", {"c1", "c2"}));
  return h.Start("sup");
}

absl::Status FillWithNotesExactly(EngineHarness& h) {
  const int64_t limit = EffectiveLimits(h.state().protocol()).max_content_bytes();
  while (true) {
    const int64_t remaining = limit - ContentBytesUsed(h.session());
    // A note's weight grows byte for byte with its text while the text's length takes two
    // bytes to encode (128-16,383 characters).
    const int64_t base = WeightOf(h, AddCommand(v1::CONTRIBUTION_KIND_NOTE, Prose(200)), "sup");
    const int64_t exact = remaining - (base - 200);
    if (base < 0 || exact < 128) {
      return absl::FailedPreconditionError(absl::StrCat("cannot fill ", remaining, " bytes"));
    }
    if (exact <= 4000) {
      return h.Do(AddCommand(v1::CONTRIBUTION_KIND_NOTE, Prose(static_cast<size_t>(exact))), "sup");
    }
    const int64_t next = std::min<int64_t>(4000, exact - 300);
    CASEWORK_RETURN_IF_ERROR(
        h.Do(AddCommand(v1::CONTRIBUTION_KIND_NOTE, Prose(static_cast<size_t>(next))), "sup"));
  }
}

}  // namespace casework::session::testing
