// The normaliser's order of passes and its two spacing passes. The order matters for idempotence:
// spacing is closed before spelled-out addresses are rewritten, and neither rewrite creates a
// space, a digit next to a space or a bracketed form, so a second run finds nothing to change.
#include "libs/text_guard/text_normalizer.h"

#include "libs/text_guard/normalizer_passes.h"
#include "libs/text_guard/text_classes.h"

namespace casework::text_guard {
namespace internal {

std::string CollapseSpaces(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (c == ' ') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

namespace {

// Length of the digit group that ends right before `end` / starts at `begin`. Each group is
// measured from its two sides at most, so a pass stays linear.
size_t GroupEndingAt(absl::string_view text, size_t end) {
  size_t begin = end;
  while (begin > 0 && IsDigit(text[begin - 1])) --begin;
  return end - begin;
}

size_t GroupStartingAt(absl::string_view text, size_t begin) {
  size_t end = begin;
  while (end < text.size() && IsDigit(text[end])) ++end;
  return end - begin;
}

// Whether the space at `i` (between two other characters) goes: it touches "@", or it separates
// two digits one of which stands alone ("0 6 1 2", "+31 6 12"). Groups of two or more keep their
// spaces ("020 123 4567", "12.03.2025 10:00"); the detector reads such runs whole.
bool SpaceCloses(absl::string_view text, size_t i) {
  const char before = text[i - 1];
  const char after = text[i + 1];
  if (before == '@' || after == '@') return true;
  if (!IsDigit(before) || !IsDigit(after)) return false;
  return GroupEndingAt(text, i) == 1 || GroupStartingAt(text, i + 1) == 1;
}

}  // namespace

std::string CloseDigitAndAtSpacing(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ' ' && i > 0 && i + 1 < text.size() && SpaceCloses(text, i)) continue;
    out.push_back(text[i]);
  }
  return out;
}

}  // namespace internal

std::string FoldText(absl::string_view text) {
  return internal::CollapseSpaces(internal::FoldCharacters(text));
}

std::string NormalizeForGuard(absl::string_view text) {
  std::string spaced = internal::CloseDigitAndAtSpacing(FoldText(text));
  return internal::RewriteSpelledAddresses(internal::RewriteBracketedForms(spaced));
}

}  // namespace casework::text_guard
