// Page token encoding: base64url(payload) "." base64url(MAC(payload, binding)).
#include "services/records/domain/page_tokens.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/status/errors.h"

namespace casework::records {
namespace {

constexpr absl::string_view kVersion = "p1";

absl::Status BadToken() {
  return InvalidArgument("FIELD_INVALID",
                         {{"page_token",
                           "is not a token this service issued for this request; start again "
                           "from the first page"}});
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::string PageTokens::Seal(const Position& after, absl::string_view binding) const {
  const std::string payload =
      absl::StrCat(kVersion, "\n", after.number, "\n", absl::WebSafeBase64Escape(after.text), "\n",
                   absl::WebSafeBase64Escape(after.name));
  const std::string mac = authenticator_.Sign(absl::StrCat(payload, "\n", binding));
  return absl::StrCat(absl::WebSafeBase64Escape(payload), ".", absl::WebSafeBase64Escape(mac));
}

absl::StatusOr<std::optional<Position>> PageTokens::Open(absl::string_view token,
                                                         absl::string_view binding) const {
  if (token.empty()) return std::optional<Position>();
  std::vector<absl::string_view> halves = absl::StrSplit(token, '.');
  std::string payload;
  std::string mac;
  if (halves.size() != 2 || !absl::WebSafeBase64Unescape(halves[0], &payload) ||
      !absl::WebSafeBase64Unescape(halves[1], &mac)) {
    return BadToken();
  }
  if (!ConstantTimeEquals(mac, authenticator_.Sign(absl::StrCat(payload, "\n", binding)))) {
    return BadToken();
  }
  std::vector<absl::string_view> fields = absl::StrSplit(payload, '\n');
  Position position;
  if (fields.size() != 4 || fields[0] != kVersion ||
      !absl::SimpleAtoi(fields[1], &position.number) ||
      !absl::WebSafeBase64Unescape(fields[2], &position.text) ||
      !absl::WebSafeBase64Unescape(fields[3], &position.name)) {
    return BadToken();
  }
  return std::optional<Position>(std::move(position));
}

absl::StatusOr<int> EffectivePageSize(int requested) {
  if (requested < 0) {
    return InvalidArgument("FIELD_INVALID", {{"page_size", "must not be negative"}});
  }
  if (requested == 0) return 50;
  return requested > 1000 ? 1000 : requested;
}

}  // namespace casework::records
