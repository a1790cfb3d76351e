// The bounds of one session (casework.v1.SessionLimits): at most so many contributions and so
// many bytes of content, so that every session's record can be delivered to the records service
// and GetSession's FULL view stays under gRPC's default 4 MiB for any session.
//
// Content bytes are an upper bound of what each event adds to the session and to its record
// (ContentWeight); Apply keeps their running total in Session.usage, and Decide refuses a command
// that would go beyond a limit before anything is written (CheckSessionLimits). The proof that
// the defaults are small enough is session_limits_test.cc: a session filled to them with the
// largest texts, measured.
#ifndef LIBS_SESSION_ENGINE_SESSION_LIMITS_H_
#define LIBS_SESSION_ENGINE_SESSION_LIMITS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "casework/v1/protocol.pb.h"
#include "casework/v1/session.pb.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"

namespace casework::session {

// The defaults, which are also the maxima a template may set.
inline constexpr int32_t kMaxContributionsPerSession = 10'000;
inline constexpr int64_t kMaxContentBytesPerSession = 3'000'000;
// The least content a template may allow: room for a lobby and a few contributions.
inline constexpr int64_t kMinContentBytesPerSession = 65'536;

// The protocol's limits with the defaults filled in for unset (0) fields.
casework::v1::SessionLimits EffectiveLimits(const casework::v1::ProtocolTemplate& protocol);

// The content bytes `event` adds, given the session `before` it (SessionLimits documents what
// counts). Deterministic: Decide and Apply must agree on it.
int64_t ContentWeight(const casework::v1::Session& before, const casework::v1::SessionEvent& event);

// The session's content bytes so far: Session.usage, or for a session folded before usage was
// kept, a recount of what it holds.
int64_t ContentBytesUsed(const casework::v1::Session& session);

// FAILED_PRECONDITION SESSION_LIMIT_REACHED when `events`, decided for `command`, would take the
// session beyond its limits. Only the commands that add content at a participant's will are
// refused (JoinSession, AddContribution, RespondToHypothesis, GiveTurn, AssignRoles); advancing,
// ending and the system's commands always go through, and what they add is bounded by the
// template (phase override reasons, the end reason, the case-load review).
absl::Status CheckSessionLimits(const casework::v1::SessionSnapshot& state,
                                const casework::v1::SessionCommand& command,
                                const std::vector<casework::v1::SessionEvent>& events);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_SESSION_LIMITS_H_
