// Byte classes of normalised text (text_normalizer.h), shared by the normaliser's ASCII passes and
// the scanners: after normalisation letters are lower case, digits are ASCII and every byte of 0x80
// or above belongs to a character of another script (a letter, mark or symbol).
#ifndef LIBS_TEXT_GUARD_TEXT_CLASSES_H_
#define LIBS_TEXT_GUARD_TEXT_CLASSES_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace casework::text_guard {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsLetter(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsAlnum(char c) { return IsDigit(c) || IsLetter(c); }
inline bool IsNonAscii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// The character at `i`, or '\0' outside the text: scanners look around a position without
// bounds checks of their own.
inline char At(absl::string_view text, size_t i) { return i < text.size() ? text[i] : '\0'; }
inline char Before(absl::string_view text, size_t i) { return i > 0 ? text[i - 1] : '\0'; }

// Whether `word` starts at `i` as a whole word: no letter or digit right before or after it.
inline bool WordAt(absl::string_view text, size_t i, absl::string_view word) {
  return text.substr(i, word.size()) == word && !IsAlnum(Before(text, i)) &&
         !IsNonAscii(Before(text, i)) && !IsAlnum(At(text, i + word.size())) &&
         !IsNonAscii(At(text, i + word.size()));
}

// Characters of an e-mail address: a domain label (letters of any script, digits, "-") and a
// local part (also ".", "_", "%", "+", "'").
inline bool IsLabelChar(char c) { return IsAlnum(c) || IsNonAscii(c) || c == '-'; }
inline bool IsLocalChar(char c) {
  return IsLabelChar(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '\'';
}

// The top-level domain of a real address: two or more letters (of any script), or an
// internationalised one in its ASCII form ("xn--p1ai"); never digits ("meet@10.30").
inline bool IsTopLevelDomain(absl::string_view tld) {
  if (tld.size() < 2) return false;
  if (tld.substr(0, 4) == "xn--") return true;
  for (char c : tld) {
    if (!IsLetter(c) && !IsNonAscii(c)) return false;
  }
  return true;
}

}  // namespace casework::text_guard

#endif  // LIBS_TEXT_GUARD_TEXT_CLASSES_H_
