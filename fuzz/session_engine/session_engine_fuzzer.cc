// libFuzzer target for the session engine's Decide: the input bytes drive the command generator
// (testing/command_generator.h) through a whole session — create, lobby, phases, end — with
// malformed fields mixed in, and every decision is checked against the model invariants
// (testing/invariants.h). Any crash, sanitizer report or violated invariant aborts with the
// sequence that caused it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/testing/command_generator.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/invariants.h"

namespace {

namespace v1 = ::casework::v1;
using casework::session::testing::ByteChoices;
using casework::session::testing::InvariantChecker;
using casework::session::testing::Step;

constexpr int kMaxSteps = 200;

[[noreturn]] void Fail(int step, const Step& command, const std::string& problem) {
  std::fprintf(stderr, "invariant violated at step %d (%s by %s): %s\n", step,
               command.command.ShortDebugString().c_str(), command.subject.c_str(),
               problem.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteChoices choices(data, size);
  absl::Time now = casework::session::testing::StartTime();
  v1::SessionSnapshot state;
  InvariantChecker checker;
  for (int i = 0; i < kMaxSteps && (i == 0 || !choices.exhausted()); ++i) {
    Step step = i == 0 ? casework::session::testing::CreateStep(choices, now)
                       : casework::session::testing::NextStep(state, choices, now, i);
    now += step.clock_advance;
    const auto result = casework::session::Decide(
        state, step.command, casework::session::testing::Person(step.subject), now);
    const v1::Session before = state.session();
    if (result.ok()) {
      for (const v1::SessionEvent& event : *result) casework::session::ApplyInPlace(&state, event);
    }
    if (std::string problem =
            checker.CheckStep(before, step.command, step.subject, now, result, state);
        !problem.empty()) {
      Fail(i, step, problem);
    }
  }
  if (std::string problem = checker.CheckFold(state); !problem.empty()) Fail(-1, Step{}, problem);
  return 0;
}
