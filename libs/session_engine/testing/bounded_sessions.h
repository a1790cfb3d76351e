// Helpers of the session-limit tests: texts of any length that pass every content check, and the
// commands and templates the limit and fill tests share.
#ifndef LIBS_SESSION_ENGINE_TESTING_BOUNDED_SESSIONS_H_
#define LIBS_SESSION_ENGINE_TESTING_BOUNDED_SESSIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "casework/v1/protocol.pb.h"
#include "casework/v1/session_command.pb.h"
#include "libs/session_engine/testing/engine_harness.h"

namespace casework::session::testing {

// Exactly `length` characters of plain prose: no digits, addresses or questions.
std::string Prose(size_t length);

// AddContribution of a `kind` with `text` (and `references`) to the harness's session.
v1::SessionCommand AddCommand(v1::ContributionKind kind, absl::string_view text,
                              const std::vector<std::string>& references = {});

// The content bytes (ContentWeight) the command would add to the harness's session, decided on
// the session with its limits lifted, so a command beyond them is weighed too.
int64_t WeightOf(const EngineHarness& h, const v1::SessionCommand& command,
                 absl::string_view subject);

// The built-in template `id` under the id `new_id`, with these limits (0 keeps the default).
v1::ProtocolTemplate WithLimits(absl::string_view id, absl::string_view new_id,
                                int32_t max_contributions, int64_t max_content_bytes);

// A case-management meeting of `protocol` started in its opening phase: "sup" leads, "c1" and
// "c2" take part.
absl::Status MeetingInOpening(EngineHarness& h, const v1::ProtocolTemplate& protocol);

// Notes by "sup" that fill the session's content bytes exactly to its limit (the last note sized
// to the byte); the meeting must be in a phase where the supervisor writes notes.
absl::Status FillWithNotesExactly(EngineHarness& h);

}  // namespace casework::session::testing

#endif  // LIBS_SESSION_ENGINE_TESTING_BOUNDED_SESSIONS_H_
