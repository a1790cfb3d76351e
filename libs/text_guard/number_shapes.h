// The word model of the number scanner (number_scan.cc) and the shapes it recognises: words of
// letters and digits, id-shaped words, dates and times inside a digit run, North-American phone
// groups and lists of years. Internal to the library.
#ifndef LIBS_TEXT_GUARD_NUMBER_SHAPES_H_
#define LIBS_TEXT_GUARD_NUMBER_SHAPES_H_

#include <cstddef>
#include <vector>

#include "absl/strings/string_view.h"

namespace casework::text_guard::internal {

// A maximal run of ASCII letters and digits; text[begin, end).
struct Word {
  size_t begin = 0;
  size_t end = 0;
  int digits = 0;
  int letters = 0;

  bool IsDigits() const { return letters == 0; }
  size_t size() const { return end - begin; }
};

// The words of `text`, in order, leaving out UUIDs (8-4-4-4-12 hexadecimal digits), whose groups
// would otherwise read as numbers.
std::vector<Word> SplitWords(absl::string_view text);

// Whether words[k], alone or with the words that follow it after single spaces, has the shape of
// an id number: letters then 7-10 digits ("ab1234567", "ab 1234567"), a national insurance number
// ("qq123456c", "qq 12 34 56 c"), a German social insurance number ("65170839j003",
// "65 170839 j 003"), a Spanish DNI ("12345678z"), or letters and digits interleaved like an
// identity card number ("l01x00t47") — never a hexadecimal fragment ("bb994168", "3f9a2c1e").
bool IsIdShapedWord(absl::string_view text, const std::vector<Word>& words, size_t k);

// How many words from words[k] on form a date (3: "03.04.2012", "2012-04-03") or a time (2:
// "10.30") inside the run words[first..last], or 0. A separator repeated beyond the date
// ("06.12.34.56.78") makes it no date.
size_t DateOrTimeWords(absl::string_view text, const std::vector<Word>& words, size_t k,
                       size_t first, size_t last);

// Groups 3-3-4: "(555) 123-4567".
bool IsNorthAmericanPhone(const std::vector<Word>& words, size_t first, size_t last);

// Every word a year from 1900 to 2099: "2019 2020 2021".
bool AreYears(absl::string_view text, const std::vector<Word>& words, size_t first, size_t last);

}  // namespace casework::text_guard::internal

#endif  // LIBS_TEXT_GUARD_NUMBER_SHAPES_H_
