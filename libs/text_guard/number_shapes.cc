// Shapes of the number scanner: see number_shapes.h.
#include "libs/text_guard/number_shapes.h"

#include <initializer_list>

#include "libs/text_guard/text_classes.h"

namespace casework::text_guard::internal {
namespace {

constexpr size_t kUuidLength = 36;
constexpr size_t kMaxSpacedIdWords = 5;  // "qq 12 34 56 c"
// Letters and digits of an id, written together or spaced (the longest: "ab1234567890").
constexpr size_t kMaxIdLength = 16;

bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

bool IsUuidAt(absl::string_view text, size_t i) {
  if (i + kUuidLength > text.size() || IsAlnum(Before(text, i)) ||
      IsAlnum(At(text, i + kUuidLength))) {
    return false;
  }
  for (size_t j = 0; j < kUuidLength; ++j) {
    const bool dash = j == 8 || j == 13 || j == 18 || j == 23;
    if (dash ? text[i + j] != '-' : !IsHex(text[i + j])) return false;
  }
  return true;
}

// Letter and digit runs of a word of at most kMaxIdLength characters: "ab1234567" is
// {letters 2, digits 7}. A fixed array: the scanner asks this of nearly every word.
struct Run {
  bool letters;
  size_t length;
};

struct Runs {
  Run items[kMaxIdLength];
  size_t count = 0;
};

Runs RunsOf(absl::string_view word) {
  Runs runs;
  for (char c : word.substr(0, kMaxIdLength)) {
    if (runs.count > 0 && runs.items[runs.count - 1].letters == IsLetter(c)) {
      ++runs.items[runs.count - 1].length;
    } else {
      runs.items[runs.count++] = {IsLetter(c), 1};
    }
  }
  return runs;
}

bool Matches(const Runs& runs, std::initializer_list<Run> shape) {
  if (runs.count != shape.size()) return false;
  size_t i = 0;
  for (const Run& expected : shape) {
    if (runs.items[i].letters != expected.letters || runs.items[i].length != expected.length) {
      return false;
    }
    ++i;
  }
  return true;
}

// National insurance "qq123456c", German social insurance "65170839j003", Spanish DNI
// "12345678z": shapes that hold whether written together or spaced.
bool IsNationalIdShape(const Runs& runs) {
  return Matches(runs, {{true, 2}, {false, 6}, {true, 1}}) ||
         Matches(runs, {{false, 8}, {true, 1}, {false, 3}}) ||
         Matches(runs, {{false, 8}, {true, 1}});
}

// One word: the national shapes, letters then 7-10 digits, or an identity-card-like mix of at
// least two letters and four digits alternating three times or more, unless hexadecimal.
bool IsIdShape(absl::string_view word) {
  if (word.size() > kMaxIdLength) return false;
  const Runs runs = RunsOf(word);
  if (IsNationalIdShape(runs)) return true;
  if (runs.count == 2 && runs.items[0].letters && runs.items[0].length <= 3 &&
      runs.items[1].length >= 7 && runs.items[1].length <= 10) {
    return true;
  }
  size_t digits = 0;
  bool hex = true;
  for (char c : word) {
    digits += IsDigit(c) ? 1 : 0;
    hex = hex && IsHex(c);
  }
  return !hex && runs.count >= 4 && word.size() >= 8 && word.size() <= 12 && digits >= 4 &&
         word.size() - digits >= 2;
}

int Value(absl::string_view text, const Word& word) {
  int value = 0;
  for (size_t i = word.begin; i < word.end && i < word.begin + 6; ++i) {
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

absl::string_view Gap(absl::string_view text, const std::vector<Word>& words, size_t k) {
  return text.substr(words[k].end, words[k + 1].begin - words[k].end);
}

bool InRange(absl::string_view text, const Word& word, size_t min_size, size_t max_size,
             int min_value, int max_value) {
  const int value = Value(text, word);
  return word.size() >= min_size && word.size() <= max_size && value >= min_value &&
         value <= max_value;
}

// Whether words[k..k+count-1] are joined by one repeated separator from `separators` that does
// not continue on either side within the run.
bool JoinedAlone(absl::string_view text, const std::vector<Word>& words, size_t k, size_t count,
                 size_t first, size_t last, absl::string_view separators) {
  const absl::string_view separator = Gap(text, words, k);
  if (separator.size() != 1 || separators.find(separator[0]) == absl::string_view::npos) {
    return false;
  }
  for (size_t j = k + 1; j + 1 < k + count; ++j) {
    if (Gap(text, words, j) != separator) return false;
  }
  return (k == first || Gap(text, words, k - 1) != separator) &&
         (k + count - 1 == last || Gap(text, words, k + count - 1) != separator);
}

}  // namespace

std::vector<Word> SplitWords(absl::string_view text) {
  std::vector<Word> words;
  for (size_t i = 0; i < text.size();) {
    if (!IsAlnum(text[i])) {
      ++i;
      continue;
    }
    if (IsUuidAt(text, i)) {
      i += kUuidLength;
      continue;
    }
    Word word{i, i, 0, 0};
    for (; word.end < text.size() && IsAlnum(text[word.end]); ++word.end) {
      (IsDigit(text[word.end]) ? word.digits : word.letters) += 1;
    }
    words.push_back(word);
    i = word.end;
  }
  return words;
}

bool IsIdShapedWord(absl::string_view text, const std::vector<Word>& words, size_t k) {
  const Word& word = words[k];
  if (word.digits > 0 && IsIdShape(text.substr(word.begin, word.size()))) return true;
  // Spaced: "ab 1234567" (a short letter word and one long digit word only), "qq 12 34 56 c",
  // "65 170839 j 003": they start with at most three letters, or two or eight digits.
  const bool may_start = word.digits == 0
                             ? word.size() <= 3
                             : word.letters == 0 && (word.size() == 2 || word.size() == 8);
  if (!may_start) return false;
  char joined[kMaxIdLength];
  size_t length = word.size();
  text.copy(joined, length, word.begin);
  for (size_t j = k + 1; j < words.size() && j - k < kMaxSpacedIdWords; ++j) {
    if (Gap(text, words, j - 1) != " " || length + words[j].size() > kMaxIdLength) break;
    length += text.copy(joined + length, words[j].size(), words[j].begin);
    if (IsNationalIdShape(RunsOf(absl::string_view(joined, length)))) return true;
    if (j == k + 1 && word.digits == 0 && word.size() <= 3 && words[j].IsDigits() &&
        words[j].size() >= 7 && words[j].size() <= 10) {
      return true;
    }
  }
  return false;
}

size_t DateOrTimeWords(absl::string_view text, const std::vector<Word>& words, size_t k,
                       size_t first, size_t last) {
  if (k + 2 <= last && JoinedAlone(text, words, k, 3, first, last, ".-/")) {
    const Word& a = words[k];
    const Word& b = words[k + 1];
    const Word& c = words[k + 2];
    const bool day_first = InRange(text, a, 1, 2, 1, 31) && InRange(text, b, 1, 2, 1, 12) &&
                           (c.size() == 2 || c.size() == 4);
    const bool year_first = InRange(text, a, 4, 4, 1900, 2099) && InRange(text, b, 1, 2, 1, 12) &&
                            InRange(text, c, 1, 2, 1, 31);
    if (day_first || year_first) return 3;
  }
  if (k + 1 <= last && JoinedAlone(text, words, k, 2, first, last, ".") &&
      InRange(text, words[k], 1, 2, 0, 23) && InRange(text, words[k + 1], 2, 2, 0, 59)) {
    return 2;
  }
  return 0;
}

bool IsNorthAmericanPhone(const std::vector<Word>& words, size_t first, size_t last) {
  return last == first + 2 && words[first].size() == 3 && words[first + 1].size() == 3 &&
         words[last].size() == 4;
}

bool AreYears(absl::string_view text, const std::vector<Word>& words, size_t first, size_t last) {
  for (size_t k = first; k <= last; ++k) {
    if (!InRange(text, words[k], 4, 4, 1900, 2099)) return false;
  }
  return true;
}

}  // namespace casework::text_guard::internal
