// One fan-out measurement over K receivers that are already listening, the same for WatchSession
// (hub or service) and Redis pub/sub: a warm-up event everyone must get, then saturated
// throughput (the publisher keeps at most `window` events ahead of the slowest receiver, so
// nobody is cut off for being slow), then paced events at a fixed rate whose latency runs from
// the intended send time to the arrival at the *last* receiver.
#ifndef BENCH_FANOUT_MEASURE_H_
#define BENCH_FANOUT_MEASURE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/delivery_book.h"
#include "bench/load_generator.h"

namespace casework::bench {

struct FanoutOptions {
  absl::Duration throughput_duration = absl::Seconds(5);
  int64_t window = 32;
  double paced_rate = 10;
  absl::Duration paced_duration = absl::Seconds(5);
  absl::Duration delivery_timeout = absl::Seconds(15);
  int64_t capacity = 1 << 21;  // sequences the book can hold; throughput stops short of it
  std::function<void(bool opening)> window_probe;  // around the throughput stage
  std::function<void()> before_paced;              // e.g. stalls a client for the paced stage
};

struct FanoutResult {
  std::string error;  // set when the measurement could not run (e.g. no warm-up delivery)
  // Throughput.
  double seconds = 0;
  int64_t published = 0;
  int64_t publish_errors = 0;
  std::map<int, int64_t> publish_error_codes;
  int64_t delivered = 0;  // receiver-events inside the window
  double delivered_per_s = 0;
  double published_per_s = 0;
  bool drained = false;  // every receiver got every published event afterwards
  // Paced.
  int64_t paced_sent = 0;
  int64_t paced_missed = 0;  // some receiver never got it within delivery_timeout
  LatencySummary last_receiver;
  // Order faults over the whole run.
  int64_t gaps = 0, duplicates = 0, out_of_range = 0;
  int ended = 0;             // receivers whose stream ended before the measurement did
  std::string ended_status;  // how the first of them ended
  bool capacity_reached = false;
};

// Publishes the next event and returns its sequence, or a failure's code (as in OperationDone).
using PublishNext = std::function<absl::StatusOr<int64_t>()>;

FanoutResult MeasureFanout(DeliveryBook& book, const FanoutOptions& options,
                           const PublishNext& publish);

std::string ToJson(const FanoutResult& result);

// A JSON string literal of `text`, quotes included.
std::string JsonString(absl::string_view text);

}  // namespace casework::bench

#endif  // BENCH_FANOUT_MEASURE_H_
