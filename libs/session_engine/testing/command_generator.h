// Random but plausible session commands, for the model-based test and the fuzzer: mostly the steps
// a real session takes (join, acknowledge, assign, start, contribute what the phase allows,
// advance), mixed with wrong callers, stale phases, closed and advice questions, identifying
// texts, sealed references, pauses, extensions, ticks and, now and then, malformed fields. Every
// choice comes from a ChoiceSource, so a seed (model test) or the fuzzer's bytes replay a run.
#ifndef LIBS_SESSION_ENGINE_TESTING_COMMAND_GENERATOR_H_
#define LIBS_SESSION_ENGINE_TESTING_COMMAND_GENERATOR_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "casework/v1/session_command.pb.h"

namespace casework::session::testing {

namespace v1 = ::casework::v1;

class ChoiceSource {
 public:
  virtual ~ChoiceSource() = default;
  // A number in [0, bound); bound 0 is treated as 1.
  virtual uint64_t Next(uint64_t bound) = 0;
  // Whether the source has run dry (the fuzzer's bytes are used up).
  virtual bool exhausted() const { return false; }

  bool Chance(int percent) { return Next(100) < static_cast<uint64_t>(percent); }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Next(items.size())];
  }
};

class RandomChoices : public ChoiceSource {
 public:
  explicit RandomChoices(uint64_t seed) : engine_(seed) {}
  uint64_t Next(uint64_t bound) override {
    return bound <= 1 ? 0 : std::uniform_int_distribution<uint64_t>(0, bound - 1)(engine_);
  }

 private:
  std::mt19937_64 engine_;
};

class ByteChoices : public ChoiceSource {
 public:
  ByteChoices(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint64_t Next(uint64_t bound) override;
  bool exhausted() const override { return position_ >= size_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
};

// One generated command: who sends it, and how far the clock moves before it is decided.
struct Step {
  v1::SessionCommand command;
  std::string subject;
  absl::Duration clock_advance;
};

// The unique marker embedded in every generated text ("zq<n>z"), so tests can find a text in any
// serialized projection.
std::string Marker(int n);

// Creates a session of a random protocol (and segment), sometimes with short timeboxes.
Step CreateStep(ChoiceSource& choices, absl::Time now);

// A next command for `state`; `counter` makes texts and request ids unique.
Step NextStep(const v1::SessionSnapshot& state, ChoiceSource& choices, absl::Time now, int counter);

}  // namespace casework::session::testing

#endif  // LIBS_SESSION_ENGINE_TESTING_COMMAND_GENERATOR_H_
