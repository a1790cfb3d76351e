// Builds the engine's refusals from casework.v1.ErrorReason values.
#include "libs/session_engine/engine_errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"

namespace casework::session {

namespace v1 = ::casework::v1;

std::string ReasonName(v1::ErrorReason reason) {
  std::string name = v1::ErrorReason_Name(reason);
  constexpr absl::string_view kPrefix = "ERROR_REASON_";
  if (absl::StartsWith(name, kPrefix)) name.erase(0, kPrefix.size());
  return name;
}

absl::Status Refusal(absl::StatusCode code, v1::ErrorReason reason, absl::string_view message,
                     const Metadata& metadata) {
  return Error(code, ReasonName(reason), message, metadata);
}

absl::Status ContentRefusal(v1::ErrorReason reason, absl::string_view field,
                            absl::string_view description, const Metadata& metadata) {
  absl::Status status = Error(absl::StatusCode::kInvalidArgument, ReasonName(reason),
                              absl::StrCat(field, ": ", description), metadata);
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(std::string(description));
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status FieldInvalid(std::vector<FieldViolation> violations) {
  return InvalidArgument(ReasonName(v1::ERROR_REASON_FIELD_INVALID), std::move(violations));
}

absl::Status FieldInvalid(absl::string_view field, absl::string_view description) {
  return FieldInvalid({{std::string(field), std::string(description)}});
}

absl::Status FactMissing(absl::string_view fact) {
  return Refusal(absl::StatusCode::kInternal, v1::ERROR_REASON_COMMAND_FACTS_MISSING,
                 absl::StrCat("the session service did not supply the fact \"", fact, "\""),
                 {{"fact", std::string(fact)}});
}

}  // namespace casework::session
