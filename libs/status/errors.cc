// Builds and reads the ErrorInfo / BadRequest payloads of domain errors.
#include "libs/status/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace casework {
namespace {

template <typename Message>
std::optional<Message> ReadPayload(const absl::Status& status, absl::string_view type_url) {
  auto payload = status.GetPayload(type_url);  // absl::optional in Debian's Abseil
  if (!payload.has_value()) return std::nullopt;
  Message message;
  if (!message.ParseFromString(std::string(*payload))) return std::nullopt;
  return message;
}

}  // namespace

absl::Status Error(absl::StatusCode code, absl::string_view reason, absl::string_view message,
                   const std::vector<std::pair<std::string, std::string>>& metadata) {
  absl::Status status(code, message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (const auto& [key, value] : metadata) (*info.mutable_metadata())[key] = value;
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status InvalidArgument(absl::string_view reason, std::vector<FieldViolation> violations) {
  std::vector<std::string> parts;
  google::rpc::BadRequest bad_request;
  for (FieldViolation& violation : violations) {
    parts.push_back(violation.field + ": " + violation.description);
    auto* out = bad_request.add_field_violations();
    out->set_field(std::move(violation.field));
    out->set_description(std::move(violation.description));
  }
  absl::Status status =
      Error(absl::StatusCode::kInvalidArgument, reason, absl::StrJoin(parts, "; "));
  status.SetPayload(kBadRequestTypeUrl, absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status QuotaExceeded(absl::string_view reason, absl::string_view message,
                           QuotaViolation violation, absl::Duration retry_after,
                           const std::vector<std::pair<std::string, std::string>>& metadata) {
  absl::Status status = Error(absl::StatusCode::kResourceExhausted, reason, message, metadata);
  google::rpc::QuotaFailure failure;
  auto* out = failure.add_violations();
  out->set_subject(std::move(violation.subject));
  out->set_description(std::move(violation.description));
  status.SetPayload(kQuotaFailureTypeUrl, absl::Cord(failure.SerializeAsString()));
  if (retry_after > absl::ZeroDuration()) {
    google::rpc::RetryInfo retry;
    const int64_t nanos = absl::ToInt64Nanoseconds(retry_after);
    retry.mutable_retry_delay()->set_seconds(nanos / 1000000000);
    retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
    status.SetPayload(kRetryInfoTypeUrl, absl::Cord(retry.SerializeAsString()));
  }
  return status;
}

std::optional<google::rpc::ErrorInfo> GetErrorInfo(const absl::Status& status) {
  return ReadPayload<google::rpc::ErrorInfo>(status, kErrorInfoTypeUrl);
}

std::optional<google::rpc::BadRequest> GetBadRequest(const absl::Status& status) {
  return ReadPayload<google::rpc::BadRequest>(status, kBadRequestTypeUrl);
}

std::optional<google::rpc::QuotaFailure> GetQuotaFailure(const absl::Status& status) {
  return ReadPayload<google::rpc::QuotaFailure>(status, kQuotaFailureTypeUrl);
}

std::optional<google::rpc::RetryInfo> GetRetryInfo(const absl::Status& status) {
  return ReadPayload<google::rpc::RetryInfo>(status, kRetryInfoTypeUrl);
}

std::string ErrorReason(const absl::Status& status) {
  std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(status);
  return info.has_value() ? info->reason() : std::string();
}

std::string ShortPrefix(absl::string_view input, size_t max) {
  if (input.size() <= max) return std::string(input);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(input[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(input.substr(0, end), "...(", input.size(), " bytes)");
}

}  // namespace casework
