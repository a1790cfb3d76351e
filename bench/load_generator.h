// The load generator shared by every unary scenario, baselines and system alike, so a ratio
// compares servers and never two clients. Closed loop: `in_flight` slots, each starting its next
// call when the previous one completes. Open loop: calls start at a fixed rate whatever the
// server does, and latency is measured from the *intended* send time, so a stalled server shows
// up as latency instead of silently lowering the offered load (no coordinated omission).
#ifndef BENCH_LOAD_GENERATOR_H_
#define BENCH_LOAD_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace casework::bench {

// Ends one operation: 0 for success, otherwise the failure's code (a grpc::StatusCode, or -1
// for a failure outside gRPC). May be called on any thread.
using OperationDone = std::function<void(int code)>;

// Starts operation number `index` on behalf of `slot` (0 ≤ slot < in_flight). Must not block.
using StartOperation = std::function<void(int slot, int64_t index, OperationDone done)>;

struct LoadOptions {
  int in_flight = 1;  // closed loop: calls outstanding; open loop: slots the calls rotate over
  double rate = 0;    // > 0: open loop at this many calls per second
  absl::Duration warmup = absl::Seconds(1);
  absl::Duration duration = absl::Seconds(5);
  int max_outstanding = 4096;  // open loop: a send beyond this many outstanding is skipped
  absl::Duration drain_timeout = absl::Seconds(30);  // calls still open after this are "stuck"
  // Called on the driving thread when the measured window opens (true) and closes (false), e.g.
  // to read the servers' CPU time over exactly the window.
  std::function<void(bool opening)> window_probe;
};

struct LatencySummary {
  int64_t count = 0;
  double mean_us = 0, p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
};

// Summarises latencies given in nanoseconds (sorts `samples`).
LatencySummary Summarize(std::vector<int64_t>& samples);

struct LoadResult {
  double seconds = 0;  // the measured window
  int64_t ok = 0;      // successes inside the window
  int64_t errors = 0;  // failures inside the window
  std::map<int, int64_t> error_codes;
  int64_t skipped_sends = 0;  // open loop: sends not made because max_outstanding was reached
  int64_t late_sends = 0;     // open loop: sends made more than 1 ms after their intended time
  int64_t stuck = 0;          // calls that never completed within drain_timeout
  int64_t total_ok = 0;       // successes over the whole run, warm-up included (to compare with
                              // the servers' own counters)
  LatencySummary latency;     // successes only
  double qps() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

LoadResult RunLoad(const LoadOptions& options, const StartOperation& start);

// JSON object text for a result (fields as in LoadResult; latencies in microseconds).
std::string ToJson(const LoadResult& result);
std::string ToJson(const LatencySummary& summary);

}  // namespace casework::bench

#endif  // BENCH_LOAD_GENERATOR_H_
