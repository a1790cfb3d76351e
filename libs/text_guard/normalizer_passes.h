// The passes of text_normalizer.h, in the order NormalizeForGuard runs them. Internal to the
// library; each pass keeps the text valid UTF-8 and never grows it after FoldCharacters.
#ifndef LIBS_TEXT_GUARD_NORMALIZER_PASSES_H_
#define LIBS_TEXT_GUARD_NORMALIZER_PASSES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace casework::text_guard::internal {

// Per character: NFKC case folding, format and control characters removed, decimal digits,
// dashes, quotes and white space mapped to ASCII (unicode_fold.cc). White space is not collapsed.
std::string FoldCharacters(absl::string_view text);

// Runs of spaces become one; leading and trailing spaces go.
std::string CollapseSpaces(absl::string_view text);

// Spaces next to "@", and spaces inside a digit run next to a lone digit, removed.
std::string CloseDigitAndAtSpacing(absl::string_view text);

// "(at)", "[dot]", "(punkt)" and their kin become "@" and "." (spelled_email.cc).
std::string RewriteBracketedForms(absl::string_view text);

// "name at domain dot org", "name ät domain punkt de", "naam apenstaartje domein punt nl",
// "name at domain.org", "name@domain dot org" become "name@domain.org" (spelled_email.cc).
std::string RewriteSpelledAddresses(absl::string_view text);

}  // namespace casework::text_guard::internal

#endif  // LIBS_TEXT_GUARD_NORMALIZER_PASSES_H_
