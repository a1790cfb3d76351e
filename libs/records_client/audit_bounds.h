// The bounds of an audit entry's text fields: a contract between the services that ship audit
// entries (audit_shipper.h cuts what is longer before queueing it) and the records service (which
// refuses what is longer, field by field). A cut value keeps a prefix, ends at a UTF-8 character
// boundary, and is marked with the original's length and a hash of it, so an entry stays small
// whatever a caller sent, says that it was cut, and two long values stay distinguishable:
//   "<prefix>~cut:<original bytes>:<first 16 hex digits of its SHA-256>"
#ifndef LIBS_RECORDS_CLIENT_AUDIT_BOUNDS_H_
#define LIBS_RECORDS_CLIENT_AUDIT_BOUNDS_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "casework/v1/audit.pb.h"

namespace casework {

inline constexpr size_t kAuditActorMax = 128;
inline constexpr size_t kAuditMethodMax = 256;
inline constexpr size_t kAuditResourceMax = 512;
inline constexpr size_t kAuditReasonMax = 1024;
inline constexpr size_t kAuditRequestIdMax = 128;

// `value` cut to at most `max` bytes as above (unchanged when it fits). `max` must be ≥ 64.
std::string CutToBound(absl::string_view value, size_t max);

// Cuts every text field of `entry` that is over its bound; returns how many were cut.
int BoundAuditEntry(casework::v1::AuditEntry& entry);

// What the records service could not store, kept as far as it can be: the actor and method when
// they are printable tokens within their bounds (else "unknown" and "audit-entry-refused"), the
// organisation, outcome and time; `refusal` (the records service's answer) and the original
// method, escaped and cut, become the reason. The resource and request id are dropped.
casework::v1::AuditEntry AuditStub(const casework::v1::AuditEntry& refused,
                                   absl::string_view refusal);

// True when `value` is a non-empty printable-ASCII token of at most `max` bytes (the records
// service's rule for an entry's actor and method).
bool IsAuditToken(absl::string_view value, size_t max);

}  // namespace casework

#endif  // LIBS_RECORDS_CLIENT_AUDIT_BOUNDS_H_
