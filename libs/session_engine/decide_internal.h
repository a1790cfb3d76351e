// Shared pieces of the engine's Decide: the context of one decision, the builder of the events it
// appends, the guards every command uses, and the per-command deciders (decide_*.cc).
#ifndef LIBS_SESSION_ENGINE_DECIDE_INTERNAL_H_
#define LIBS_SESSION_ENGINE_DECIDE_INTERNAL_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"

namespace casework::session {

using Events = std::vector<casework::v1::SessionEvent>;

struct DecideContext {
  const casework::v1::SessionSnapshot& state;
  const casework::v1::SessionCommand& command;
  const casework::v1::Principal& principal;
  absl::Time now;

  const casework::v1::Session& session() const { return state.session(); }
  const casework::v1::ProtocolTemplate& protocol() const { return state.protocol(); }
  const std::string& caller() const { return principal.subject(); }
};

// Collects the events of one decision with their envelope: session, contiguous sequence, time,
// actor and request id.
class PendingEvents {
 public:
  PendingEvents(const DecideContext& context, absl::string_view actor,
                absl::string_view request_id);

  casework::v1::SessionEvent& Add();
  Events Take() { return std::move(events_); }

 private:
  const DecideContext& context_;
  std::string actor_;
  std::string request_id_;
  Events events_;
};

// PERMISSION_DENIED PARTICIPANT_REQUIRED unless the caller joined.
absl::Status RequireParticipant(const DecideContext& context);
// Whether the caller created the session, which has no facilitator and has not started: they may
// organise it (assign roles, cancel) without joining.
bool CreatorOrganising(const DecideContext& context);
// PERMISSION_DENIED FACILITATOR_REQUIRED unless the caller is the facilitator.
absl::Status RequireFacilitator(const DecideContext& context);
// INVALID_ARGUMENT FIELD_INVALID unless 1-128 printable ASCII characters.
absl::Status RequireRequestId(absl::string_view request_id);
// FAILED_PRECONDITION SESSION_STATE_INVALID unless the session is in one of `states`.
absl::Status RequireState(const DecideContext& context,
                          std::initializer_list<casework::v1::SessionState> states);
// The identifying-information guard for a free text that is not a contribution (reasons,
// comments, titles): INVALID_ARGUMENT IDENTIFYING_INFORMATION in BLOCK mode.
absl::Status GuardText(const casework::v1::ProtocolTemplate& protocol,
                       absl::string_view language_code, absl::string_view field,
                       absl::string_view text);
// INVALID_ARGUMENT: OVERRIDE_REASON_REQUIRED / FIELD_INVALID for an override without a reason or
// a reason over 500 characters; also guards the reason's text.
absl::Status CheckOverrideReason(const DecideContext& context, bool override_requested,
                                 absl::string_view field, absl::string_view reason);

// The ids of the unmet exit criteria of the running phase that `override_requested` may skip.
// FAILED_PRECONDITION EXIT_CRITERIA_UNMET / CRITERION_NOT_OVERRIDABLE otherwise.
absl::StatusOr<std::vector<std::string>> CheckExitCriteria(const DecideContext& context,
                                                           bool override_requested);

// Appends what leaving the running phase appends: the phase-end reveal of still sealed entries,
// then PhaseEnded.
void AppendPhaseEnd(const DecideContext& context, casework::v1::PhaseEndReason reason,
                    const std::vector<std::string>& overridden, absl::string_view override_reason,
                    PendingEvents* events);
// Checks and appends the start of phase `index` (1-based): its required roles
// (ROLES_INCOMPLETE), PhaseStarted, and CaseLoadReviewAttached when the phase attaches one
// (COMMAND_FACTS_MISSING without the review).
absl::Status AppendPhaseStart(const DecideContext& context, int index, PendingEvents* events);

absl::StatusOr<Events> DecideCreate(const DecideContext& context);
absl::StatusOr<Events> DecideJoin(const DecideContext& context);
absl::StatusOr<Events> DecideAcknowledge(const DecideContext& context);
absl::StatusOr<Events> DecideAssignRoles(const DecideContext& context);
absl::StatusOr<Events> DecideStart(const DecideContext& context);
absl::StatusOr<Events> DecideAdvance(const DecideContext& context);
absl::StatusOr<Events> DecideExtend(const DecideContext& context);
absl::StatusOr<Events> DecidePause(const DecideContext& context);
absl::StatusOr<Events> DecideResume(const DecideContext& context);
absl::StatusOr<Events> DecideEnd(const DecideContext& context);
absl::StatusOr<Events> DecideTick(const DecideContext& context);
absl::StatusOr<Events> DecideMarkRecordStored(const DecideContext& context);
absl::StatusOr<Events> DecideAddContribution(const DecideContext& context);
absl::StatusOr<Events> DecideRespond(const DecideContext& context);
absl::StatusOr<Events> DecideGiveTurn(const DecideContext& context);
absl::StatusOr<Events> DecideReveal(const DecideContext& context);
absl::StatusOr<Events> DecideReleaseVote(const DecideContext& context);

// Where the record goes when the session ends now: the protocol's rule, and for
// RECORD_RELEASE_BY_CONSENT every participant's AGREE.
casework::v1::ReleaseOutcome ReleaseOutcomeAtEnd(const casework::v1::SessionSnapshot& state);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_DECIDE_INTERNAL_H_
