// Baselines below gRPC: raw TCP ping-pong (what a round trip over loopback costs at all) and
// Redis PUBLISH/SUBSCRIBE fan-out (what the notification path's transport costs at all), both
// measured with the same statistics as the gRPC scenarios.
#ifndef BENCH_RAW_BASELINES_H_
#define BENCH_RAW_BASELINES_H_

#include <string>

#include "absl/status/statusor.h"
#include "bench/fanout_measure.h"
#include "bench/load_generator.h"

namespace casework::bench {

// Serves ping-pong on 127.0.0.1:`port` until the process ends: one thread per connection, each
// message of `payload` bytes sent straight back.
absl::Status ServeTcpEcho(int port, int payload);

// Closed loop over `options.in_flight` connections, one blocking thread each (open loop is not
// offered: a raw socket has no multiplexing to queue on).
absl::StatusOr<LoadResult> RunTcpPingPong(int port, int payload, const LoadOptions& options);

struct RedisFanoutScenario {
  int port = 6379;
  int subscribers = 100;
  int payload = 100;  // bytes per message; the sequence number leads it
  std::string channel = "casework-bench";
};

// K subscriber connections on one libevent loop, one publisher connection; the measurement is
// MeasureFanout's.
absl::StatusOr<FanoutResult> RunRedisFanout(const RedisFanoutScenario& scenario,
                                            const FanoutOptions& options);

}  // namespace casework::bench

#endif  // BENCH_RAW_BASELINES_H_
