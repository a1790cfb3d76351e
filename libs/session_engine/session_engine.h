// The session engine: the facilitation protocols enforced as a pure state machine.
//
//   Decide(state, command, principal, now) -> the events the command appends, or a refusal
//   Apply(state, event)                    -> the state after the event
//
// Pure: protobuf messages and Abseil only; no I/O, threads or clock (`now` is passed in), so the
// same inputs always give the same outputs on every replica. The session service loads the state
// (a SessionSnapshot, the fold of the session's events), fetches the facts a command needs
// (CommandFacts), calls Decide, appends the events with one compare-and-append and folds them
// with Apply. Refusals are absl::Status values with the most specific code and an ErrorInfo
// reason from casework.v1.ErrorReason (see proto/casework/v1/session_service.proto for each
// RPC's refusals); a refused command appends nothing. Order of checks in every command: who the
// caller is (PERMISSION_DENIED), what was sent (INVALID_ARGUMENT), the session's state and phase
// (FAILED_PRECONDITION, ABORTED).
#ifndef LIBS_SESSION_ENGINE_SESSION_ENGINE_H_
#define LIBS_SESSION_ENGINE_SESSION_ENGINE_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"

namespace casework::session {

// The events `command` appends to the session `state` (empty for a CreateSession), numbered from
// state.session.version + 1 and stamped with `now`; an empty vector when the command changes
// nothing (joining twice, revealing nothing, a tick with nothing due). `principal.subject` is the
// caller; Tick and MarkRecordStored require the reserved subject "system".
absl::StatusOr<std::vector<casework::v1::SessionEvent>> Decide(
    const casework::v1::SessionSnapshot& state, const casework::v1::SessionCommand& command,
    const casework::v1::Principal& principal, absl::Time now);

// The state after `event`. Total: trusts that the event came from Decide on this state (use
// CheckNextEvent or Fold for events read from storage).
casework::v1::SessionSnapshot Apply(casework::v1::SessionSnapshot state,
                                    const casework::v1::SessionEvent& event);
void ApplyInPlace(casework::v1::SessionSnapshot* state, const casework::v1::SessionEvent& event);

// DATA_LOSS EVENT_LOG_CORRUPT unless `event` is the next one for `state` (sequence version + 1;
// SessionCreated first and only first).
absl::Status CheckNextEvent(const casework::v1::SessionSnapshot& state,
                            const casework::v1::SessionEvent& event);

// The fold of a whole log, starting from the empty state; checks every event with
// CheckNextEvent.
absl::StatusOr<casework::v1::SessionSnapshot> Fold(
    absl::Span<const casework::v1::SessionEvent> events);

// A session restored from its stored parts (the session log's layout): `snapshot` and `protocol`,
// serialized SessionSnapshots of some fields each (either may be empty: no snapshot yet, or a
// snapshot stored whole), then `tail`, the serialized events after the snapshot, folded in order.
// Derived fields a snapshot lacks are rebuilt. DATA_LOSS when a part is unreadable or an event
// does not follow the state.
absl::StatusOr<casework::v1::SessionSnapshot> Restore(absl::string_view snapshot,
                                                      absl::string_view protocol,
                                                      absl::Span<const absl::string_view> tail);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_SESSION_ENGINE_H_
