// Session growth (issue 17: S5, S6 and the 10,000-contribution session): one case-management
// meeting receives `contributions` notes from its chair, one call at a time, while the client
// times every call and reads Redis's append-only file size around two windows — the first
// contributions and the last. Then the session is read whole by a client with gRPC's default
// message limit (4 MiB), ended, and its record awaited. Reports p50 latency around the 50th, the
// 5,000th and the last contribution, Redis bytes written per contribution in each window, the
// FULL view's size, and whether the record was stored.
#ifndef BENCH_GROWTH_SCENARIO_H_
#define BENCH_GROWTH_SCENARIO_H_

#include <string>

#include "absl/status/statusor.h"
#include "bench/casework_fixture.h"

namespace casework::bench {

struct GrowthScenario {
  std::string session_address;
  int contributions = 10000;
  int redis_port = 6379;
  int window = 500;  // contributions per Redis-bytes window
};

// The JSON "result" object.
absl::StatusOr<std::string> RunSessionGrowth(const GrowthScenario& scenario,
                                             CaseworkFixture& fixture);

}  // namespace casework::bench

#endif  // BENCH_GROWTH_SCENARIO_H_
