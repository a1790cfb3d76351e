// Dates of birth: a full date (day, month and year) near a word that announces a birth, in
// English, German or Dutch. A date alone is a meeting or a review; a year alone ("born in 2012")
// says an age, which casework needs. German and Dutch put the word after the date ("am 3. März
// 2012 geboren", "op 3 maart 2012 geboren"), so both sides are looked at; no digit may stand
// between the word and the date ("born in Syria, arrived 03.04.2019" is an arrival).
#include <initializer_list>

#include "libs/text_guard/scanners.h"
#include "libs/text_guard/text_classes.h"

namespace casework::text_guard::internal {
namespace {

// At most this many characters, none a digit, between the birth word and the date.
constexpr size_t kMaxGap = 16;
// The longest full date: "28th of september, 2012".
constexpr size_t kMaxDateLength = 24;

// Words that announce a birth (folded: "Geburtsdatum" is "geburtsdatum"); a stem also starts
// longer words ("birthday", "geburtstag", "geboortedatum"), a whole word does not ("bornholm").
struct BirthWord {
  absl::string_view text;
  bool stem;
};

constexpr BirthWord kBirthWords[] = {{"born", false},          {"dob", false},   {"d.o.b", false},
                                     {"date of birth", false}, {"geb", false},   {"birth", true},
                                     {"geboren", true},        {"geburt", true}, {"geboorte", true},
                                     {"verjaardag", true}};

// Month names and abbreviations (a trailing "." is allowed after any of them).
constexpr absl::string_view kMonths[] = {
    "january", "february",  "march",    "april",    "may",           "june",        "july",
    "august",  "september", "october",  "november", "december",      "jan",         "feb",
    "mar",     "apr",       "jun",      "jul",      "aug",           "sep",         "sept",
    "oct",     "nov",       "dec",      "januar",   "februar",       "m\xC3\xA4rz", "maerz",
    "mai",     "juli",      "oktober",  "dezember", "j\xC3\xA4nner", "j\xC3\xA4n",  "okt",
    "dez",     "januari",   "februari", "maart",    "mei",           "augustus",    "mrt"};

bool IsWordStart(absl::string_view text, size_t i) {
  return !IsAlnum(Before(text, i)) && !IsNonAscii(Before(text, i));
}

// The end of the birth word starting at `i` (the whole word: "geburtsdatum"), or 0.
size_t BirthWordEnd(absl::string_view text, size_t i) {
  const char first = text[i];
  if ((first != 'b' && first != 'd' && first != 'g' && first != 'v') || !IsWordStart(text, i)) {
    return 0;
  }
  for (const BirthWord& word : kBirthWords) {
    if (first != word.text[0] || text.substr(i, word.text.size()) != word.text) continue;
    size_t end = i + word.text.size();
    const bool longer = IsLetter(At(text, end)) || IsNonAscii(At(text, end));
    if (longer && !word.stem) continue;
    while (IsLetter(At(text, end)) || IsNonAscii(At(text, end))) ++end;
    return end;
  }
  return 0;
}

// Digits at `*i`: between `min` and `max` of them, followed by no further digit.
bool Number(absl::string_view text, size_t* i, size_t min, size_t max, int* value) {
  size_t n = 0;
  *value = 0;
  while (n < max && IsDigit(At(text, *i + n))) *value = *value * 10 + (text[*i + n++] - '0');
  if (n < min || IsDigit(At(text, *i + n))) return false;
  *i += n;
  return true;
}

bool Skip(absl::string_view text, size_t* i, absl::string_view what) {
  if (text.substr(*i, what.size()) != what) return false;
  *i += what.size();
  return true;
}

bool MonthName(absl::string_view text, size_t* i) {
  const char first = At(text, *i);
  for (absl::string_view month : kMonths) {
    const size_t end = *i + month.size();
    if (first == month[0] && text.substr(*i, month.size()) == month && !IsLetter(At(text, end)) &&
        !IsNonAscii(At(text, end))) {
      *i = end;
      Skip(text, i, ".");
      return true;
    }
  }
  return false;
}

bool Day(absl::string_view text, size_t* i) {
  int day = 0;
  if (!Number(text, i, 1, 2, &day) || day < 1 || day > 31) return false;
  for (absl::string_view suffix : {".", "st", "nd", "rd", "th", "e"}) {
    if (Skip(text, i, suffix)) break;
  }
  return true;
}

// A date separator at `*i` ("." "/" "-", a space allowed after it: "3. 4. 2012"), the same one
// as before once `*separator` is set.
bool DateSeparator(absl::string_view text, size_t* i, char* separator) {
  const char c = At(text, *i);
  if ((c != '.' && c != '/' && c != '-') || (*separator != '\0' && c != *separator)) return false;
  *separator = c;
  ++*i;
  Skip(text, i, " ");
  return true;
}

bool ValidDayAndMonth(int day, int month) {
  return day >= 1 && day <= 31 && month >= 1 && month <= 12;
}

// 03.04.2012, 3-4-12, 3/4/2012, 3. 4. 2012, 2012-04-03 or 2012/04/03.
size_t NumericDateAt(absl::string_view text, size_t start) {
  size_t i = start;
  char separator = '\0';
  int year = 0, month = 0, day = 0;
  if (Number(text, &i, 4, 4, &year)) {
    const bool dated = DateSeparator(text, &i, &separator) && Number(text, &i, 1, 2, &month) &&
                       DateSeparator(text, &i, &separator) && Number(text, &i, 1, 2, &day);
    return dated && ValidDayAndMonth(day, month) ? i - start : 0;
  }
  const bool dated = Number(text, &i, 1, 2, &day) && DateSeparator(text, &i, &separator) &&
                     Number(text, &i, 1, 2, &month) && DateSeparator(text, &i, &separator) &&
                     (Number(text, &i, 4, 4, &year) || Number(text, &i, 2, 2, &year));
  return dated && ValidDayAndMonth(day, month) ? i - start : 0;
}

// 3 April 2012, 3rd of April 2012, 3. März 2012, 3 maart 2012, April 3, 2012.
size_t NamedDateAt(absl::string_view text, size_t start) {
  size_t i = start;
  int year = 0;
  if (Day(text, &i)) {
    Skip(text, &i, " ");
    Skip(text, &i, "of ");
    if (!MonthName(text, &i)) return 0;
  } else if (MonthName(text, &i)) {
    if (!Skip(text, &i, " ") || !Day(text, &i)) return 0;
  } else {
    return 0;
  }
  Skip(text, &i, ",");
  if (!Skip(text, &i, " ") || !Number(text, &i, 4, 4, &year)) return 0;
  return i - start;
}

// A full date starting after `end` with nothing but a short gap free of digits before it.
bool DateAfter(absl::string_view text, size_t end) {
  for (size_t i = end; i < text.size() && i - end <= kMaxGap; ++i) {
    if (FullDateAt(text, i) > 0) return true;
    if (IsDigit(text[i])) return false;
  }
  return false;
}

// A full date ending before `start` with nothing but a short gap free of digits after it. Every
// date ends in its year, so the first digit met going back is the date's last one.
bool DateBefore(absl::string_view text, size_t start) {
  size_t end = start;
  while (end > 0 && start - end <= kMaxGap && !IsDigit(text[end - 1])) --end;
  if (end == 0 || !IsDigit(text[end - 1])) return false;
  for (size_t i = end > kMaxDateLength ? end - kMaxDateLength : 0; i < end; ++i) {
    if (FullDateAt(text, i) == end - i) return true;
  }
  return false;
}

}  // namespace

size_t FullDateAt(absl::string_view text, size_t i) {
  if (!IsWordStart(text, i)) return 0;
  const size_t numeric = NumericDateAt(text, i);
  return numeric > 0 ? numeric : NamedDateAt(text, i);
}

bool HasDateOfBirth(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t end = BirthWordEnd(text, i);
    if (end == 0) continue;
    if (DateAfter(text, end) || DateBefore(text, i)) return true;
    i = end;
  }
  return false;
}

}  // namespace casework::text_guard::internal
