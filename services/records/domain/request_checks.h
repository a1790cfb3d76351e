// Validation building blocks shared by the records operations: field violations collected into
// one INVALID_ARGUMENT (FIELD_INVALID or IDENTIFYING_INFORMATION, always with a BadRequest),
// request_id and etag checks, and update masks applied with protobuf's FieldMaskUtil.
#ifndef SERVICES_RECORDS_DOMAIN_REQUEST_CHECKS_H_
#define SERVICES_RECORDS_DOMAIN_REQUEST_CHECKS_H_

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/status/errors.h"

namespace casework::records {

class Violations {
 public:
  void Add(absl::string_view field, absl::string_view description);

  // Length bounds (in bytes) and the identifying-information guard; `min` 0 means optional.
  void CheckText(absl::string_view field, absl::string_view text, size_t min, size_t max);
  // Printable ASCII of 1..max characters (references, ids, request ids).
  void CheckToken(absl::string_view field, absl::string_view value, size_t max);
  // At most `max` bytes, nothing else checked (text kept as given, such as audit reasons).
  void CheckLength(absl::string_view field, absl::string_view value, size_t max);
  void Require(bool present, absl::string_view field);

  bool empty() const { return violations_.empty(); }
  // OK when nothing was added; else INVALID_ARGUMENT with every violation. The reason is
  // IDENTIFYING_INFORMATION (metadata field, kind) when the guard refused a text, else
  // FIELD_INVALID.
  absl::Status ToStatus() const;

 private:
  std::vector<FieldViolation> violations_;
  std::string identifying_field_;
  std::string identifying_kind_;
};

// request_id (AIP-155): 1–128 printable ASCII characters.
void CheckRequestId(absl::string_view request_id, Violations& violations);
// An etag the caller must send (updates and deletes).
void CheckEtagPresent(absl::string_view etag, absl::string_view field, Violations& violations);

// An update mask checked against the fields a caller may change (AIP-134).
struct CheckedMask {
  google::protobuf::FieldMask paths;   // the request's paths, "*" expanded
  std::vector<std::string> top_level;  // the top-level fields they touch, sorted
  bool Names(absl::string_view field) const;
};

// `allowed` are the top-level fields that may be changed; "*" stands for all of them. An empty
// mask, unknown paths and paths outside `allowed` are violations of `update_mask`.
absl::StatusOr<CheckedMask> CheckUpdateMask(const google::protobuf::FieldMask& mask,
                                            const google::protobuf::Descriptor& type,
                                            const std::vector<std::string>& allowed);
// Applies `patch` to `target` for the mask's paths with FieldMaskUtil, replacing repeated and
// message fields.
void ApplyUpdateMask(const google::protobuf::Message& patch, const CheckedMask& mask,
                     google::protobuf::Message& target);

// The ETAG_MISMATCH error (ABORTED) with the current etag in its metadata.
absl::Status EtagMismatch(absl::string_view current_etag);

// A fresh etag for a resource created at `create_micros` that had `previous` (empty on create):
// opaque, and different from every earlier etag of the same resource.
std::string NextEtag(absl::string_view previous, int64_t create_micros);

}  // namespace casework::records

#endif  // SERVICES_RECORDS_DOMAIN_REQUEST_CHECKS_H_
