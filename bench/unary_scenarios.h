// The unary operations the load generator drives: the bare echo, RecordsService.CreateCase and
// SessionService.AddContribution. Each Build* does its set-up (blocking, unmeasured) and returns
// the StartOperation that issues one callback-API call.
#ifndef BENCH_UNARY_SCENARIOS_H_
#define BENCH_UNARY_SCENARIOS_H_

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "bench/casework_fixture.h"
#include "bench/load_generator.h"

namespace casework::bench {

struct UnaryTarget {
  std::string address;
  int channels = 1;
  int in_flight = 1;
  int payload = 100;  // echo only
};

// The first failure's message, kept for the report (the load generator counts codes only).
class FirstError {
 public:
  void Note(const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    if (message_.empty()) message_ = message.empty() ? "(no message)" : message;
  }
  std::string Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return message_;
  }

 private:
  mutable std::mutex mu_;
  std::string message_;
};

struct PreparedLoad {
  StartOperation start;
  std::shared_ptr<FirstError> first_error = std::make_shared<FirstError>();
  std::string notes;                 // set-up facts for the report (e.g. sessions used)
  std::shared_ptr<void> keep_alive;  // channels, stubs and state the operation uses
};

absl::StatusOr<PreparedLoad> BuildEcho(const UnaryTarget& target, const std::string& token);

// Needs the fixture's team (CreateTeam) in the records service.
absl::StatusOr<PreparedLoad> BuildCreateCase(const UnaryTarget& target, CaseworkFixture& fixture,
                                             const std::string& run_id);

// Sessions are spread over the slots (no two slots write one session, as in real use where a
// session has a handful of writers); a slot moves to its next session after
// `contributions_per_session`, so the session state stays the size of a real session's.
struct ContributionPlan {
  int contributions_per_session = 100;
  int sessions = 0;  // 0: enough for `expected_qps` over `seconds`, at least one per slot
  double expected_qps = 1000;
  double seconds = 6;
  int setup_threads = 8;
};

absl::StatusOr<PreparedLoad> BuildAddContribution(const UnaryTarget& target,
                                                  CaseworkFixture& fixture,
                                                  const ContributionPlan& plan,
                                                  const std::string& run_id);

}  // namespace casework::bench

#endif  // BENCH_UNARY_SCENARIOS_H_
