// Conversions between the protobuf well-known time types and absl::Time / absl::Duration, so the
// engine computes with Abseil and stores protobuf. Saturating, never undefined: a fuzzed or
// corrupt timestamp cannot make the engine misbehave.
#ifndef LIBS_SESSION_ENGINE_TIME_UTIL_H_
#define LIBS_SESSION_ENGINE_TIME_UTIL_H_

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace casework::session {

absl::Time ToTime(const google::protobuf::Timestamp& timestamp);
google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Duration ToDuration(const google::protobuf::Duration& duration);
google::protobuf::Duration ToProtoDuration(absl::Duration duration);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_TIME_UTIL_H_
