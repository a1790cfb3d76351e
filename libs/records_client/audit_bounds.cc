// Cutting audit entries to their bounds, and the stub of an entry records refused (audit_bounds.h).
#include "libs/records_client/audit_bounds.h"

#include <openssl/sha.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace casework {
namespace {

// The largest prefix of `value` of at most `max` bytes that does not split a UTF-8 character.
absl::string_view Utf8Prefix(absl::string_view value, size_t max) {
  if (value.size() <= max) return value;
  size_t end = max;
  // Step back over continuation bytes (10xxxxxx) to the start of the character cut in two.
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return value.substr(0, end);
}

std::string Sha256Prefix(absl::string_view value) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(value.data()), value.size(), digest);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 8));
}

bool Cut(std::string* value, size_t max) {
  if (value->size() <= max) return false;
  *value = CutToBound(*value, max);
  return true;
}

}  // namespace

std::string CutToBound(absl::string_view value, size_t max) {
  if (value.size() <= max) return std::string(value);
  const std::string mark = absl::StrCat("~cut:", value.size(), ":", Sha256Prefix(value));
  return absl::StrCat(Utf8Prefix(value, max - std::min(max, mark.size())), mark);
}

int BoundAuditEntry(casework::v1::AuditEntry& entry) {
  int cut = 0;
  cut += Cut(entry.mutable_actor(), kAuditActorMax) ? 1 : 0;
  cut += Cut(entry.mutable_method(), kAuditMethodMax) ? 1 : 0;
  cut += Cut(entry.mutable_resource(), kAuditResourceMax) ? 1 : 0;
  cut += Cut(entry.mutable_reason(), kAuditReasonMax) ? 1 : 0;
  cut += Cut(entry.mutable_request_id(), kAuditRequestIdMax) ? 1 : 0;
  return cut;
}

bool IsAuditToken(absl::string_view value, size_t max) {
  return !value.empty() && value.size() <= max &&
         std::all_of(value.begin(), value.end(), [](char c) { return c >= ' ' && c <= '~'; });
}

casework::v1::AuditEntry AuditStub(const casework::v1::AuditEntry& refused,
                                   absl::string_view refusal) {
  casework::v1::AuditEntry stub;
  stub.set_actor(IsAuditToken(refused.actor(), kAuditActorMax) ? refused.actor() : "unknown");
  stub.set_organization(refused.organization());
  stub.set_method(IsAuditToken(refused.method(), kAuditMethodMax) ? refused.method()
                                                                  : "audit-entry-refused");
  stub.set_outcome(refused.outcome());
  *stub.mutable_finish_time() = refused.finish_time();
  stub.set_reason(
      CutToBound(absl::StrCat("audit stub: the records service refused this entry (",
                              absl::CHexEscape(Utf8Prefix(refusal, 300)), "); method \"",
                              absl::CHexEscape(Utf8Prefix(refused.method(), 200)), "\""),
                 kAuditReasonMax));
  return stub;
}

}  // namespace casework
