// The one text normaliser of the suite: what the session engine's content checks and the
// identifying-information guard (session engine and records service alike) match against, so
// that look-alike characters, invisible characters, digits of other scripts and odd spacing
// cannot slip client-identifying information past a pattern.
//
//   FoldText           Unicode NFKC with case folding (ICU's NFKC_Casefold: full-width and other
//                      compatibility forms to their plain letters, "ß" to "ss"); format characters
//                      (general category Cf: zero-width space and joiners, soft hyphen, BOM,
//                      bidirectional marks) and control characters removed; every decimal digit of
//                      any script (Arabic-Indic, Devanagari, full-width, ...) mapped to ASCII;
//                      dashes and the minus sign to "-", typographic quotes to ASCII quotes, every
//                      kind of white space to one " ", trimmed. Invalid UTF-8 becomes U+FFFD.
//   NormalizeForGuard  FoldText, then e-mail addresses written out ("name at domain dot org",
//                      "name (at) domain [dot] org", German "ät"/"punkt", Dutch
//                      "apenstaartje"/"punt") written back as "name@domain.org", the spaces
//                      around "@" removed, and a space inside a digit run removed wherever a digit
//                      stands alone beside it ("0 6 1 2 3" -> "06123"; "020 123 4567" keeps its
//                      groups, which the detector reads as one number).
//
// Both are linear in the input, allocate only their result (plus ICU's work buffer for non-ASCII
// text), share ICU's process-wide normaliser instance, are idempotent and grow a text by at most
// kMaxGrowth times its size in bytes (NFKC's longest expansion, U+FDFA); a fuzzer checks all of
// this (fuzz/text_normalizer/).
#ifndef LIBS_TEXT_GUARD_TEXT_NORMALIZER_H_
#define LIBS_TEXT_GUARD_TEXT_NORMALIZER_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace casework::text_guard {

// Output bytes per input byte at most (U+FDFA: 3 bytes become 33).
inline constexpr size_t kMaxGrowth = 11;

std::string FoldText(absl::string_view text);

std::string NormalizeForGuard(absl::string_view text);

}  // namespace casework::text_guard

#endif  // LIBS_TEXT_GUARD_TEXT_NORMALIZER_H_
