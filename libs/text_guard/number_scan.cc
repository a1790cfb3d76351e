// Phone numbers and id numbers in normalised text. The text is cut into words (letters and digits);
// digit words joined by a short separator ("020 123 4567", "+31 (0)6-1234 5678", "123-45-6789")
// form a run, read as one number once the dates and times inside it are set aside. Words that mix
// letters and digits are id numbers only in the shapes ids have (passport "ab1234567", national
// insurance "qq123456c", "l01x00t47"); hexadecimal fragments (hashes, "bb994168", UUIDs) never are.
#include <vector>

#include "libs/text_guard/number_shapes.h"
#include "libs/text_guard/scanners.h"
#include "libs/text_guard/text_classes.h"

namespace casework::text_guard::internal {
namespace {

using casework::v1::IdentifyingInformationKind;

constexpr int kMinIdDigits = 9;            // BSN, SSN; eight digits are dates and amounts
constexpr int kMinReferenceIdDigits = 11;  // a run glued to letters: "cp-2024-00417" is a reference
constexpr int kMinPhoneDigits = 9;         // "0612345678"; "00900103" is not
constexpr int kMinPlusPhoneDigits = 8;     // "+4930123456"

// The separator between two digit words of one run: one to three of " -./()", at most one of
// "-./", never a sentence end ". ".
bool JoinsDigits(absl::string_view gap) {
  if (gap.empty() || gap.size() > 3 || gap.substr(0, 2) == ". ") return false;
  int marks = 0;
  for (char c : gap) {
    if (c == '-' || c == '.' || c == '/') {
      ++marks;
    } else if (c != ' ' && c != '(' && c != ')') {
      return false;
    }
  }
  return marks <= 1;
}

// Whether the run words[first..last] touches a letter word through "-" or "/" ("cp-2024-00417").
bool GluedToWord(absl::string_view text, const std::vector<Word>& words, size_t first,
                 size_t last) {
  const size_t before = words[first].begin;
  const size_t after = words[last].end;
  const char left = Before(text, before);
  const char right = At(text, after);
  return ((left == '-' || left == '/') && IsAlnum(Before(text, before - 1))) ||
         ((right == '-' || right == '/') && IsAlnum(At(text, after + 1)));
}

// A "+" right before the run, possibly with a "(" between ("+(31)", "(+31)").
bool PlusBefore(absl::string_view text, size_t begin) {
  if (Before(text, begin) == '(') --begin;
  return Before(text, begin) == '+';
}

// What a run of digit words (no dates or times inside) is.
std::optional<IdentifyingInformationKind> ClassifyRun(absl::string_view text,
                                                      const std::vector<Word>& words, size_t first,
                                                      size_t last, bool plus, bool glued) {
  int digits = 0;
  for (size_t k = first; k <= last; ++k) digits += words[k].digits;
  if (plus && digits >= kMinPlusPhoneDigits) return v1::IDENTIFYING_INFORMATION_KIND_PHONE_NUMBER;
  if (text[words[first].begin] == '0' && digits >= kMinPhoneDigits) {
    return v1::IDENTIFYING_INFORMATION_KIND_PHONE_NUMBER;
  }
  if (IsNorthAmericanPhone(words, first, last)) {
    return v1::IDENTIFYING_INFORMATION_KIND_PHONE_NUMBER;
  }
  if (digits < (glued ? kMinReferenceIdDigits : kMinIdDigits) ||
      AreYears(text, words, first, last)) {
    return std::nullopt;
  }
  return v1::IDENTIFYING_INFORMATION_KIND_ID_NUMBER;
}

// A run from words[first] on, cut into stretches at its dates and times; the first stretch that
// is a phone or id number decides. Sets *last to the run's last word.
std::optional<IdentifyingInformationKind> ScanRun(absl::string_view text,
                                                  const std::vector<Word>& words, size_t first,
                                                  size_t* last) {
  *last = first;
  while (*last + 1 < words.size() && words[*last + 1].IsDigits() &&
         JoinsDigits(text.substr(words[*last].end, words[*last + 1].begin - words[*last].end))) {
    ++*last;
  }
  const bool glued = GluedToWord(text, words, first, *last);
  size_t stretch = first;
  for (size_t k = first; k <= *last + 1; ++k) {
    const size_t date_words = k <= *last ? DateOrTimeWords(text, words, k, first, *last) : 0;
    if (k <= *last && date_words == 0) continue;
    if (k > stretch) {
      const bool plus = stretch == first && PlusBefore(text, words[first].begin);
      if (auto kind = ClassifyRun(text, words, stretch, k - 1, plus, glued)) return kind;
    }
    k += date_words > 0 ? date_words - 1 : 0;
    stretch = k + 1;
  }
  return std::nullopt;
}

}  // namespace

// Phone numbers first: a number reads as a phone whenever it can ("is 0612345678" is no
// passport number).
std::optional<IdentifyingInformationKind> FindNumber(absl::string_view text) {
  const std::vector<Word> words = SplitWords(text);
  std::optional<IdentifyingInformationKind> found;
  for (size_t k = 0; k < words.size(); ++k) {
    if (!words[k].IsDigits()) continue;
    size_t last = k;
    const auto kind = ScanRun(text, words, k, &last);
    if (kind == v1::IDENTIFYING_INFORMATION_KIND_PHONE_NUMBER) return kind;
    if (!found.has_value()) found = kind;
    k = last;
  }
  for (size_t k = 0; k < words.size() && !found.has_value(); ++k) {
    if (IsIdShapedWord(text, words, k)) found = v1::IDENTIFYING_INFORMATION_KIND_ID_NUMBER;
  }
  return found;
}

}  // namespace casework::text_guard::internal
