// E-mail addresses in normalised text. Characters of other scripts count as letters, so an
// internationalised domain ("müller.de") or local part is found like an ASCII one; the ASCII
// form of such a domain ("xn--mller-kva.de") is plain ASCII anyway.
#include "libs/text_guard/scanners.h"
#include "libs/text_guard/text_classes.h"

namespace casework::text_guard::internal {
namespace {

// Whether the domain after an "@" ends at a dot-separated name with no empty label.
bool IsDomain(absl::string_view domain) {
  const size_t last_dot = domain.rfind('.');
  if (last_dot == absl::string_view::npos || domain.front() == '.' ||
      domain.find("..") != absl::string_view::npos) {
    return false;
  }
  return IsTopLevelDomain(domain.substr(last_dot + 1));
}

bool AddressAround(absl::string_view text, size_t at) {
  size_t begin = at;
  bool local_has_letter = false;
  while (begin > 0 && IsLocalChar(text[begin - 1])) {
    --begin;
    local_has_letter = local_has_letter || IsAlnum(text[begin]) || IsNonAscii(text[begin]);
  }
  if (!local_has_letter) return false;
  size_t end = at + 1;
  while (end < text.size() && (IsLabelChar(text[end]) || text[end] == '.')) ++end;
  absl::string_view domain = text.substr(at + 1, end - at - 1);
  while (!domain.empty() && (domain.back() == '.' || domain.back() == '-')) domain.remove_suffix(1);
  return !domain.empty() && IsDomain(domain);
}

}  // namespace

bool HasEmailAddress(absl::string_view text) {
  for (size_t at = text.find('@'); at != absl::string_view::npos; at = text.find('@', at + 1)) {
    if (AddressAround(text, at)) return true;
  }
  return false;
}

}  // namespace casework::text_guard::internal
