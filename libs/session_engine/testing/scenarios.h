// Ready-made sessions for the engine's tests: a Balint consultation or an intervision driven to a
// given phase with the exit criteria met on the way.
#ifndef LIBS_SESSION_ENGINE_TESTING_SCENARIOS_H_
#define LIBS_SESSION_ENGINE_TESTING_SCENARIOS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libs/session_engine/testing/engine_harness.h"

namespace casework::session::testing {

// Balint: facilitator "f", case owner "o", members "m1".."m3", agreements acknowledged.
absl::Status BalintLobby(EngineHarness& h);
// ... and started, then advanced to `phase_id` (the case owner asked one question "q1"; one
// hypothesis by m1, answered, when passing the feedback phase).
absl::Status BalintAt(EngineHarness& h, absl::string_view phase_id);

// Intervision: chair "f", members "m1".."m3" and "g" (case giver after Choose), started, then
// advanced to `step_id`.
absl::Status IntervisionAt(EngineHarness& h, absl::string_view step_id);

// Team meeting (`protocol_id` regular or extended): supervisor "sup", caseworkers "c1".."c3",
// started in the opening section.
absl::Status MeetingStarted(EngineHarness& h, absl::string_view protocol_id,
                            v1::Session requested = {});

}  // namespace casework::session::testing

#endif  // LIBS_SESSION_ENGINE_TESTING_SCENARIOS_H_
