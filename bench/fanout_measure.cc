// The three stages of a fan-out measurement; see the header.
#include "bench/fanout_measure.h"

#include <chrono>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace casework::bench {
namespace {

void CountError(const absl::Status& status, FanoutResult& result) {
  ++result.publish_errors;
  ++result.publish_error_codes[static_cast<int>(status.code())];
}

}  // namespace

FanoutResult MeasureFanout(DeliveryBook& book, const FanoutOptions& options,
                           const PublishNext& publish) {
  FanoutResult result;
  absl::StatusOr<int64_t> first = publish();
  if (!first.ok()) {
    result.error = absl::StrCat("warm-up publish failed: ", first.status().ToString());
    return result;
  }
  if (!book.WaitAllHave(*first, options.delivery_timeout)) {
    result.error = absl::StrCat("not every receiver got the warm-up event within ",
                                absl::FormatDuration(options.delivery_timeout));
    return result;
  }
  int64_t last = *first;

  // Saturated throughput, flow-controlled by the slowest receiver.
  const int64_t start = SteadyNowNs();
  const int64_t end = start + absl::ToInt64Nanoseconds(options.throughput_duration);
  const int64_t received_before = book.total_received();
  if (options.window_probe) options.window_probe(true);
  const int64_t paced_count =
      static_cast<int64_t>(absl::ToDoubleSeconds(options.paced_duration) * options.paced_rate);
  while (SteadyNowNs() < end && book.ended() == 0) {
    if (last - book.base() + options.window + paced_count + 2 >= options.capacity) {
      result.capacity_reached = true;
      break;
    }
    book.WaitWindow(last, options.window, end);
    if (SteadyNowNs() >= end) break;
    absl::StatusOr<int64_t> sequence = publish();
    if (sequence.ok()) {
      last = *sequence;
      ++result.published;
    } else {
      CountError(sequence.status(), result);
    }
  }
  const int64_t stop = SteadyNowNs();
  if (options.window_probe) options.window_probe(false);
  result.delivered = book.total_received() - received_before;
  result.seconds = static_cast<double>(stop - start) / 1e9;
  result.delivered_per_s = static_cast<double>(result.delivered) / result.seconds;
  result.published_per_s = static_cast<double>(result.published) / result.seconds;
  result.drained = book.WaitAllHave(last, options.delivery_timeout);

  if (options.before_paced) options.before_paced();
  // Paced: latency from the intended send time to the last receiver.
  std::vector<std::pair<int64_t, int64_t>> sent;  // sequence, intended time
  const int64_t paced_start = SteadyNowNs();
  for (int64_t i = 0; i < paced_count && book.ended() == 0; ++i) {
    const int64_t intended =
        paced_start + static_cast<int64_t>(static_cast<double>(i) * 1e9 / options.paced_rate);
    std::this_thread::sleep_until(
        std::chrono::steady_clock::time_point(std::chrono::nanoseconds(intended)));
    absl::StatusOr<int64_t> sequence = publish();
    if (!sequence.ok()) {
      CountError(sequence.status(), result);
      continue;
    }
    last = *sequence;
    sent.emplace_back(*sequence, intended);
  }
  book.WaitAllHave(last, options.delivery_timeout);
  std::vector<int64_t> latencies;
  for (const auto& [sequence, intended] : sent) {
    const int64_t arrival = book.LastArrival(sequence);
    if (arrival < 0) {
      ++result.paced_missed;
    } else {
      latencies.push_back(arrival - intended);
    }
  }
  result.paced_sent = static_cast<int64_t>(sent.size());
  result.last_receiver = Summarize(latencies);
  result.gaps = book.gaps();
  result.duplicates = book.duplicates();
  result.out_of_range = book.out_of_range();
  result.ended = book.ended();
  return result;
}

std::string ToJson(const FanoutResult& r) {
  std::vector<std::string> codes;
  for (const auto& [code, count] : r.publish_error_codes) {
    codes.push_back(absl::StrCat("\"", code, "\":", count));
  }
  return absl::StrCat(
      "{\"error\":", JsonString(r.error), ",\"seconds\":", r.seconds,
      ",\"published\":", r.published, ",\"publish_errors\":", r.publish_errors,
      ",\"publish_error_codes\":{", absl::StrJoin(codes, ","), "},\"delivered\":", r.delivered,
      ",\"delivered_per_s\":", r.delivered_per_s, ",\"published_per_s\":", r.published_per_s,
      ",\"drained\":", r.drained ? "true" : "false", ",\"paced_sent\":", r.paced_sent,
      ",\"paced_missed\":", r.paced_missed, ",\"last_receiver\":", ToJson(r.last_receiver),
      ",\"gaps\":", r.gaps, ",\"duplicates\":", r.duplicates, ",\"out_of_range\":", r.out_of_range,
      ",\"ended\":", r.ended, ",\"ended_status\":", JsonString(r.ended_status),
      ",\"capacity_reached\":", r.capacity_reached ? "true" : "false", "}");
}

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace casework::bench
