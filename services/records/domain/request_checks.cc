// Field violations, request ids, etags and update masks.
#include "services/records/domain/request_checks.h"

#include <google/protobuf/util/field_mask_util.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "casework/v1/errors.pb.h"
#include "libs/status/status_macros.h"
#include "libs/text_guard/identifying_information.h"

namespace casework::records {

using google::protobuf::util::FieldMaskUtil;

void Violations::Add(absl::string_view field, absl::string_view description) {
  violations_.push_back({std::string(field), std::string(description)});
}

void Violations::CheckText(absl::string_view field, absl::string_view text, size_t min,
                           size_t max) {
  if (text.size() < min) {
    Add(field, "is required");
    return;
  }
  if (text.size() > max) {
    Add(field, absl::StrCat("is longer than ", max, " characters"));
    return;
  }
  if (auto kind = text_guard::FindIdentifyingInformation(text); kind.has_value()) {
    std::string name = casework::v1::IdentifyingInformationKind_Name(*kind);
    name = name.substr(std::string("IDENTIFYING_INFORMATION_KIND_").size());
    Add(field, absl::StrCat("looks like identifying information (", name, ")"));
    if (identifying_field_.empty()) {
      identifying_field_ = std::string(field);
      identifying_kind_ = name;
    }
  }
}

void Violations::CheckToken(absl::string_view field, absl::string_view value, size_t max) {
  if (value.empty()) {
    Add(field, "is required");
  } else if (value.size() > max) {
    Add(field, absl::StrCat("is longer than ", max, " characters"));
  } else if (std::any_of(value.begin(), value.end(), [](char c) { return c < ' ' || c > '~'; })) {
    Add(field, "must be printable ASCII");
  }
}

void Violations::CheckLength(absl::string_view field, absl::string_view value, size_t max) {
  if (value.size() > max) Add(field, absl::StrCat("is longer than ", max, " bytes"));
}

void Violations::Require(bool present, absl::string_view field) {
  if (!present) Add(field, "is required");
}

absl::Status Violations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  if (identifying_field_.empty()) return InvalidArgument("FIELD_INVALID", violations_);
  absl::Status status = InvalidArgument("IDENTIFYING_INFORMATION", violations_);
  absl::Status with_metadata =
      Error(absl::StatusCode::kInvalidArgument, "IDENTIFYING_INFORMATION", status.message(),
            {{"field", identifying_field_}, {"kind", identifying_kind_}});
  with_metadata.SetPayload(kBadRequestTypeUrl, *status.GetPayload(kBadRequestTypeUrl));
  return with_metadata;
}

void CheckRequestId(absl::string_view request_id, Violations& violations) {
  violations.CheckToken("request_id", request_id, 128);
}

void CheckEtagPresent(absl::string_view etag, absl::string_view field, Violations& violations) {
  if (etag.empty()) violations.Add(field, "is required: send the etag of the version you read");
}

bool CheckedMask::Names(absl::string_view field) const {
  return std::binary_search(top_level.begin(), top_level.end(), field);
}

absl::StatusOr<CheckedMask> CheckUpdateMask(const google::protobuf::FieldMask& mask,
                                            const google::protobuf::Descriptor& type,
                                            const std::vector<std::string>& allowed) {
  CheckedMask checked;
  Violations violations;
  if (mask.paths().empty()) violations.Add("update_mask", "is required");
  for (const std::string& path : mask.paths()) {
    if (path == "*") {
      for (const std::string& field : allowed) {
        checked.paths.add_paths(field);
        checked.top_level.push_back(field);
      }
      continue;
    }
    if (!FieldMaskUtil::GetFieldDescriptors(&type, path, nullptr)) {
      violations.Add("update_mask", absl::StrCat("names no field: ", path));
      continue;
    }
    std::string top(absl::string_view(path).substr(0, path.find('.')));
    if (std::find(allowed.begin(), allowed.end(), top) == allowed.end()) {
      violations.Add("update_mask", absl::StrCat("field cannot be changed: ", path));
      continue;
    }
    checked.paths.add_paths(path);
    checked.top_level.push_back(top);
  }
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  std::sort(checked.top_level.begin(), checked.top_level.end());
  checked.top_level.erase(std::unique(checked.top_level.begin(), checked.top_level.end()),
                          checked.top_level.end());
  return checked;
}

void ApplyUpdateMask(const google::protobuf::Message& patch, const CheckedMask& mask,
                     google::protobuf::Message& target) {
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(patch, mask.paths, options, &target);
}

absl::Status EtagMismatch(absl::string_view current_etag) {
  return Error(absl::StatusCode::kAborted, "ETAG_MISMATCH",
               "the resource changed since it was read; read it again and retry",
               {{"current_etag", std::string(current_etag)}});
}

std::string NextEtag(absl::string_view previous, int64_t create_micros) {
  int64_t generation = 0;
  std::vector<absl::string_view> parts = absl::StrSplit(previous, '-');
  if (parts.size() == 2) (void)absl::SimpleAtoi(parts[1], &generation);
  return absl::StrCat(absl::Hex(create_micros), "-", generation + 1);
}

}  // namespace casework::records
