// Model-based test: thousands of random command sequences over all four protocols, checking the
// engine's invariants after every command (testing/invariants.h) and that Decide is
// deterministic. The seed is printed; replay a failure with
//   CASEWORK_MODEL_SEED=<seed> CASEWORK_MODEL_ONLY=<sequence> build/bin/session_engine_model_test
// CASEWORK_MODEL_SEQUENCES sets how many sequences run (default 5000).
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/testing/command_generator.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/invariants.h"

namespace casework::session::testing {
namespace {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value == nullptr || *value == '\0' ? fallback : std::strtoull(value, nullptr, 10);
}

struct RunStats {
  int accepted = 0;
  int refused = 0;
  int ended = 0;
  int deepest_phase = 0;
  int sealed = 0;    // sealed contributions added
  int revealed = 0;  // reveal events
  int overruns = 0;  // PhaseOverrun events
  int turns = 0;     // contributions added under turn-taking
};

void Count(const std::vector<v1::SessionEvent>& events, RunStats* stats) {
  for (const v1::SessionEvent& event : events) {
    const v1::Contribution& c = event.contribution_added().contribution();
    stats->sealed += c.visibility() == v1::CONTRIBUTION_VISIBILITY_SEALED;
    stats->turns += c.turn_index() > 0;
    stats->revealed += event.has_contributions_revealed();
    stats->overruns += event.has_phase_overrun();
  }
}

// Runs one sequence; returns "" or the first invariant violated (with the step number).
std::string RunSequence(uint64_t seed, int steps, RunStats* stats) {
  RandomChoices choices(seed);
  absl::Time now = StartTime();
  v1::SessionSnapshot state;
  InvariantChecker checker;
  for (int i = 0; i < steps; ++i) {
    Step step = i == 0 ? CreateStep(choices, now) : NextStep(state, choices, now, i);
    now += step.clock_advance;
    const auto result = Decide(state, step.command, Person(step.subject), now);
    if (choices.Chance(5)) {
      const auto again = Decide(state, step.command, Person(step.subject), now);
      if (again.ok() != result.ok() || (result.ok() && again->size() != result->size())) {
        return absl::StrCat("step ", i, ": Decide is not deterministic");
      }
    }
    const v1::Session before = state.session();
    if (result.ok()) {
      for (const v1::SessionEvent& event : *result) ApplyInPlace(&state, event);
      Count(*result, stats);
      ++stats->accepted;
    } else {
      ++stats->refused;
    }
    if (std::string problem =
            checker.CheckStep(before, step.command, step.subject, now, result, state);
        !problem.empty()) {
      return absl::StrCat("step ", i, " (", step.command.ShortDebugString(), " by ", step.subject,
                          "): ", problem);
    }
    stats->deepest_phase = std::max(stats->deepest_phase, state.session().current_phase().index());
    if (!state.session().session_record().empty()) break;
  }
  stats->ended += state.session().state() == v1::SESSION_STATE_ENDED;
  return checker.CheckFold(state);
}

TEST(SessionModel, RandomCommandSequencesKeepTheInvariants) {
  const uint64_t seed = EnvOr("CASEWORK_MODEL_SEED", std::random_device{}());
  const uint64_t sequences = EnvOr("CASEWORK_MODEL_SEQUENCES", 5000);
  const char* only = std::getenv("CASEWORK_MODEL_ONLY");
  std::cout << "model seed: " << seed << " (replay: CASEWORK_MODEL_SEED=" << seed << ")\n";
  ::testing::Test::RecordProperty("model_seed", std::to_string(seed));
  RunStats stats;
  for (uint64_t n = 0; n < sequences; ++n) {
    if (only != nullptr && std::to_string(n) != only) continue;
    const int steps = 40 + static_cast<int>((seed + n) % 80);
    const std::string problem = RunSequence(seed + n, steps, &stats);
    ASSERT_TRUE(problem.empty()) << "sequence " << n << " (CASEWORK_MODEL_SEED=" << seed
                                 << " CASEWORK_MODEL_ONLY=" << n << "): " << problem;
  }
  std::cout << "accepted " << stats.accepted << ", refused " << stats.refused << ", ended "
            << stats.ended << ", deepest phase " << stats.deepest_phase << ", sealed "
            << stats.sealed << ", reveals " << stats.revealed << ", overruns " << stats.overruns
            << ", contributions on a turn " << stats.turns << "\n";
  if (only == nullptr && sequences >= 1000) {
    EXPECT_GT(stats.ended, static_cast<int>(sequences / 20)) << "too few sessions reach the end";
    EXPECT_GE(stats.deepest_phase, 7) << "the generator never gets deep into a protocol";
    EXPECT_GT(stats.sealed, 0) << "no sealed writing was exercised";
    EXPECT_GT(stats.revealed, 0) << "no reveal was exercised";
    EXPECT_GT(stats.overruns, 0) << "no overrun was exercised";
    EXPECT_GT(stats.turns, 0) << "no turn-taking was exercised";
  }
}

}  // namespace
}  // namespace casework::session::testing
