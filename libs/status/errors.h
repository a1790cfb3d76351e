// Domain errors: absl::Status values that carry the AIP-193 details (google.rpc.ErrorInfo with a
// machine-readable reason, google.rpc.BadRequest field violations) as payloads, so pure domain
// code can say precisely what went wrong without depending on gRPC. The server kit turns these
// payloads into grpc-status-details-bin (see libs/server/grpc_status.h).
#ifndef LIBS_STATUS_ERRORS_H_
#define LIBS_STATUS_ERRORS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"

namespace casework {

// ErrorInfo.domain of every error this suite produces.
inline constexpr absl::string_view kErrorDomain = "casework.internal";

inline constexpr absl::string_view kErrorInfoTypeUrl = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kBadRequestTypeUrl = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kQuotaFailureTypeUrl =
    "type.googleapis.com/google.rpc.QuotaFailure";
inline constexpr absl::string_view kRetryInfoTypeUrl = "type.googleapis.com/google.rpc.RetryInfo";

struct FieldViolation {
  std::string field;        // path in the request, e.g. "contribution.text"
  std::string description;  // why it is invalid, in words a person understands
};

// An error with an ErrorInfo{reason, domain, metadata}. `reason` is UPPER_SNAKE_CASE and stable:
// clients branch on it.
absl::Status Error(absl::StatusCode code, absl::string_view reason, absl::string_view message,
                   const std::vector<std::pair<std::string, std::string>>& metadata = {});

// INVALID_ARGUMENT with an ErrorInfo and a BadRequest listing every violation.
absl::Status InvalidArgument(absl::string_view reason, std::vector<FieldViolation> violations);

// A limit was reached: RESOURCE_EXHAUSTED with an ErrorInfo (`reason`, the limit in its
// metadata), a QuotaFailure naming `subject` and the limit in words, and — when waiting helps — a
// RetryInfo with `retry_after`.
struct QuotaViolation {
  std::string subject;      // what the limit applies to, e.g. a session's or organisation's name
  std::string description;  // the limit, e.g. "at most 64 commands of one session waiting"
};
absl::Status QuotaExceeded(absl::string_view reason, absl::string_view message,
                           QuotaViolation violation, absl::Duration retry_after,
                           const std::vector<std::pair<std::string, std::string>>& metadata = {});

// The details carried by `status`, if any.
std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status);
std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status);
std::optional<google::rpc::QuotaFailure> GetQuotaFailure(const absl::Status& status);
std::optional<google::rpc::RetryInfo> GetRetryInfo(const absl::Status& status);

// What an error message or a log line carries of a caller's input: the input itself up to `max`
// bytes, else its first `max` bytes (cut at a UTF-8 boundary) followed by "...(<length> bytes)".
std::string ShortPrefix(absl::string_view input, size_t max = 48);

// Reason of the status's ErrorInfo, or "" when it has none.
std::string ErrorReason(const absl::Status& status);

}  // namespace casework

#endif  // LIBS_STATUS_ERRORS_H_
