// IBANs (ISO 13616) of any country: two letters, two check digits and an account part of 11 to
// 30 letters and digits, printed in groups or not. Only a checksum that holds counts, so a
// reference that merely starts with two letters and two digits passes.
#include "libs/text_guard/scanners.h"
#include "libs/text_guard/text_classes.h"

namespace casework::text_guard::internal {
namespace {

constexpr int kMinAccountChars = 11;  // Norway: 15 characters in all
constexpr int kMaxAccountChars = 30;  // 34 in all
constexpr int kMinAccountDigits = 7;  // every country's account part has more

// The value of an IBAN character in the mod-97 computation: 0-9, then a=10 ... z=35.
int IbanValue(char c) { return IsDigit(c) ? c - '0' : c - 'a' + 10; }

// ISO 7064 mod 97-10 over "account part, country, check digits": the remainder of the account
// part so far, completed with the first four characters, must be 1.
bool ChecksumHolds(int account_remainder, absl::string_view head) {
  const int tail = IbanValue(head[0]) * 10000 + IbanValue(head[1]) * 100 + (head[2] - '0') * 10 +
                   (head[3] - '0');
  return (static_cast<long long>(account_remainder) * 1000000 + tail) % 97 == 1;
}

// Whether an IBAN starts at `start` and ends at a group's end after enough account characters.
bool IbanAt(absl::string_view text, size_t start) {
  const absl::string_view head = text.substr(start, 4);
  int remainder = 0;
  int chars = 0;
  int digits = 0;
  size_t i = start + 4;
  if (At(text, i) == ' ') ++i;  // "de89 3704 ..."
  while (i < text.size() && IsAlnum(text[i]) && chars < kMaxAccountChars) {
    const int value = IbanValue(text[i]);
    remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97;
    ++chars;
    digits += IsDigit(text[i]) ? 1 : 0;
    ++i;
    const bool group_ends = !IsAlnum(At(text, i));
    if (group_ends && chars >= kMinAccountChars && digits >= kMinAccountDigits &&
        ChecksumHolds(remainder, head)) {
      return true;
    }
    if (group_ends && At(text, i) == ' ' && IsAlnum(At(text, i + 1))) ++i;
  }
  return false;
}

}  // namespace

bool HasIban(absl::string_view text) {
  for (size_t i = 0; i + 4 <= text.size(); ++i) {
    if (IsLetter(text[i]) && IsLetter(text[i + 1]) && IsDigit(text[i + 2]) &&
        IsDigit(text[i + 3]) && !IsAlnum(Before(text, i)) && !IsNonAscii(Before(text, i)) &&
        IbanAt(text, i)) {
      return true;
    }
  }
  return false;
}

}  // namespace casework::text_guard::internal
