// The session engine's refusals: absl::Status values with the ErrorInfo reason taken from the
// casework.v1.ErrorReason enum (so a reason can never be misspelt) and, for INVALID_ARGUMENT, a
// BadRequest naming the request field. Messages and metadata never echo a contribution's text.
#ifndef LIBS_SESSION_ENGINE_ENGINE_ERRORS_H_
#define LIBS_SESSION_ENGINE_ENGINE_ERRORS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "casework/v1/errors.pb.h"
#include "libs/status/errors.h"

namespace casework::session {

using Metadata = std::vector<std::pair<std::string, std::string>>;

// "PHASE_MISMATCH" for ERROR_REASON_PHASE_MISMATCH.
std::string ReasonName(casework::v1::ErrorReason reason);

// An error of `code` with the ErrorInfo reason `reason`.
absl::Status Refusal(absl::StatusCode code, casework::v1::ErrorReason reason,
                     absl::string_view message, const Metadata& metadata = {});

// INVALID_ARGUMENT with `reason`, metadata and a BadRequest holding one violation of `field`.
absl::Status ContentRefusal(casework::v1::ErrorReason reason, absl::string_view field,
                            absl::string_view description, const Metadata& metadata = {});

// INVALID_ARGUMENT FIELD_INVALID with a BadRequest listing `violations`.
absl::Status FieldInvalid(std::vector<FieldViolation> violations);
absl::Status FieldInvalid(absl::string_view field, absl::string_view description);

// INTERNAL COMMAND_FACTS_MISSING: the service did not supply `fact`.
absl::Status FactMissing(absl::string_view fact);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_ENGINE_ERRORS_H_
