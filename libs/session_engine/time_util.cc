// Saturating conversions between protobuf time types and Abseil's.
#include "libs/session_engine/time_util.h"

#include <cstdint>

namespace casework::session {
namespace {

// Keeps seconds within what absl::Time and arithmetic on it handle without overflow (±10^12 s is
// far beyond year 10000).
constexpr int64_t kMaxSeconds = 1'000'000'000'000;

int64_t ClampSeconds(int64_t seconds) {
  if (seconds > kMaxSeconds) return kMaxSeconds;
  if (seconds < -kMaxSeconds) return -kMaxSeconds;
  return seconds;
}

int32_t ClampNanos(int32_t nanos) {
  if (nanos > 999'999'999) return 999'999'999;
  if (nanos < -999'999'999) return -999'999'999;
  return nanos;
}

}  // namespace

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(ClampSeconds(timestamp.seconds())) +
         absl::Nanoseconds(ClampNanos(timestamp.nanos()));
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp out;
  const int64_t seconds = ClampSeconds(absl::ToUnixSeconds(time));
  const absl::Time whole = absl::FromUnixSeconds(seconds);
  int64_t nanos = absl::ToInt64Nanoseconds(time - whole);
  if (nanos < 0 || nanos > 999'999'999) nanos = 0;
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(nanos));
  return out;
}

absl::Duration ToDuration(const google::protobuf::Duration& duration) {
  return absl::Seconds(ClampSeconds(duration.seconds())) +
         absl::Nanoseconds(ClampNanos(duration.nanos()));
}

google::protobuf::Duration ToProtoDuration(absl::Duration duration) {
  google::protobuf::Duration out;
  absl::Duration rest;
  const int64_t seconds = ClampSeconds(absl::IDivDuration(duration, absl::Seconds(1), &rest));
  int64_t nanos = absl::ToInt64Nanoseconds(rest);
  if (nanos < -999'999'999 || nanos > 999'999'999) nanos = 0;
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(nanos));
  return out;
}

}  // namespace casework::session
