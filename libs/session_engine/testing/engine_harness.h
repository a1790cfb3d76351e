// A session under test: runs commands through Decide and Apply the way the session service will,
// keeps the log, and moves a fake clock. Shared by the engine's tests, the model-based test and
// the fuzzer (no GoogleTest here).
#ifndef LIBS_SESSION_ENGINE_TESTING_ENGINE_HARNESS_H_
#define LIBS_SESSION_ENGINE_TESTING_ENGINE_HARNESS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"
#include "libs/session_engine/protocol_registry.h"

namespace casework::session::testing {

namespace v1 = ::casework::v1;

// The repository's protocols/ directory and the registry loaded from it (once per process).
std::string ProtocolsDirectory();
const ProtocolRegistry& BuiltInProtocols();

v1::Principal Person(absl::string_view subject);
absl::Time StartTime();  // 2030-01-07 09:00 UTC
inline constexpr absl::string_view kSessionName = "organizations/acme/teams/t1/sessions/s1";

// A fixed, anonymous case-load review attached whenever a phase asks for one.
v1::CaseLoadReview SampleCaseLoadReview();

class EngineHarness {
 public:
  EngineHarness();

  // Creates the session. `requested` may carry extended_segment / timing_overrides / language.
  absl::Status Create(absl::string_view protocol_id, v1::Session requested = {},
                      absl::string_view creator = "creator");
  // Creates a session of a template that is not in the built-in registry (validated first).
  absl::Status CreateCustom(const v1::ProtocolTemplate& protocol, v1::Session requested = {},
                            absl::string_view creator = "creator");

  // Decides `command` for `subject` at the current time; applies the events when accepted.
  absl::StatusOr<std::vector<v1::SessionEvent>> Run(v1::SessionCommand command,
                                                    absl::string_view subject);
  absl::Status Do(v1::SessionCommand command, absl::string_view subject);

  absl::Status Join(absl::string_view subject);
  absl::Status Acknowledge(absl::string_view subject);  // every agreement of the protocol
  absl::Status AssignRoles(absl::string_view by, absl::string_view facilitator,
                           absl::string_view case_owner, absl::string_view override_reason = "");
  absl::Status Start(absl::string_view by);
  absl::Status Advance(absl::string_view by, absl::string_view expected_phase_id,
                       absl::string_view override_reason = "");
  // Advances from the current phase (whatever it is), overriding criteria with a reason.
  absl::Status AdvanceFromCurrent(absl::string_view by, bool override_criteria = false);
  absl::Status Extend(absl::string_view by, absl::string_view phase_id, absl::Duration extension);
  absl::Status Add(absl::string_view subject, v1::ContributionKind kind, absl::string_view text,
                   std::vector<std::string> references = {}, absl::string_view on_behalf_of = "");
  absl::Status AddCheckIn(absl::string_view subject, absl::string_view success,
                          absl::string_view challenge);
  absl::Status AddActionItem(absl::string_view subject, absl::string_view text,
                             absl::string_view owner, v1::ActionItemOwnerRole owner_role,
                             absl::Duration due_in);
  absl::Status Respond(absl::string_view by, absl::string_view hypothesis,
                       v1::HypothesisResponse response, absl::string_view comment = "");
  absl::Status GiveTurn(absl::string_view by, absl::string_view participant);
  absl::Status Reveal(absl::string_view by, std::vector<std::string> names = {});
  absl::Status Pause(absl::string_view by);
  absl::Status Resume(absl::string_view by);
  absl::Status End(absl::string_view by, absl::string_view reason = "");
  absl::StatusOr<std::vector<v1::SessionEvent>> Tick();
  absl::Status MarkStored(absl::string_view record);

  // Joins everyone, acknowledges the agreements for everyone, assigns the roles.
  absl::Status SetUpLobby(absl::string_view facilitator, absl::string_view case_owner,
                          const std::vector<std::string>& members);

  void AdvanceClock(absl::Duration d) { now_ += d; }
  absl::Time now() const { return now_; }
  const v1::SessionSnapshot& state() const { return state_; }
  const v1::Session& session() const { return state_.session(); }
  const std::vector<v1::SessionEvent>& log() const { return log_; }
  const std::string& current_phase() const { return state_.session().current_phase().phase_id(); }
  // Name of the newest contribution.
  std::string LastContribution() const;

  // Team roles sent as facts with AssignRoles (default: CASEWORKER, FACILITATOR and MEMBER).
  void SetTeamRoles(absl::string_view subject, std::vector<v1::TeamRole> roles);
  // The team's previous session record of the protocol, sent with AssignRoles.
  void SetPreviousRecord(v1::SessionRecord record) { previous_record_ = std::move(record); }
  // Whether Start/Advance carry the case-load review fact (default true).
  void set_supply_case_load_review(bool supply) { supply_review_ = supply; }

 private:
  void AddFacts(v1::SessionCommand* command) const;
  std::string NextRequestId() { return "r-" + std::to_string(++request_counter_); }

  absl::Time now_;
  v1::SessionSnapshot state_;
  std::vector<v1::SessionEvent> log_;
  int request_counter_ = 0;
  std::map<std::string, std::vector<v1::TeamRole>> team_roles_;
  std::optional<v1::SessionRecord> previous_record_;
  bool supply_review_ = true;
};

}  // namespace casework::session::testing

#endif  // LIBS_SESSION_ENGINE_TESTING_ENGINE_HARNESS_H_
