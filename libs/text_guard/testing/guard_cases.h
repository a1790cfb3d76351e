// The table of texts the identifying-information guard must refuse and must let pass: realistic
// caseworker sentences in English, German and Dutch, with every evasion the guard must see
// through (full-width and invisible characters, digits of other scripts, spaced digits,
// written-out addresses, IDN domains) and the numbers casework is full of (dates, times, years,
// amounts, durations, version numbers, hexadecimal fragments). The guard library's test, the
// session engine's and the records domain's all run it, so both services are held to one table.
#ifndef LIBS_TEXT_GUARD_TESTING_GUARD_CASES_H_
#define LIBS_TEXT_GUARD_TESTING_GUARD_CASES_H_

#include <vector>

#include "casework/v1/errors.pb.h"

namespace casework::text_guard::testing {

struct RefusedText {
  const char* language;  // "en", "de" or "nl"
  const char* text;
  casework::v1::IdentifyingInformationKind kind;
};

struct PassingText {
  const char* language;
  const char* text;
};

const std::vector<RefusedText>& RefusedTexts();
const std::vector<PassingText>& PassingTexts();

}  // namespace casework::text_guard::testing

#endif  // LIBS_TEXT_GUARD_TESTING_GUARD_CASES_H_
