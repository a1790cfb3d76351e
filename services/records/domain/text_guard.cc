// Pattern scans of the identifying-information guard (no regex engine: a few linear scans).
#include "services/records/domain/text_guard.h"

#include <cctype>
#include <string>

#include "absl/strings/ascii.h"

namespace casework::records {
namespace {

using casework::v1::IdentifyingInformationKind;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// local@domain.tld with a non-empty local part and a dot in the domain.
bool HasEmailAddress(absl::string_view text) {
  for (size_t at = text.find('@'); at != absl::string_view::npos; at = text.find('@', at + 1)) {
    if (at == 0 || std::isspace(static_cast<unsigned char>(text[at - 1]))) continue;
    size_t end = at + 1;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    absl::string_view domain = text.substr(at + 1, end - at - 1);
    size_t dot = domain.find('.');
    if (dot != absl::string_view::npos && dot > 0 && dot + 1 < domain.size()) return true;
  }
  return false;
}

// Runs of digits joined by single separators; reports the longest run's digit count and whether
// it started with '+' or '0' (phone-like) or had no separators at all (id-number-like).
struct DigitRun {
  int digits = 0;
  bool phone_prefix = false;
  bool separated = false;
};

std::optional<IdentifyingInformationKind> ScanDigitRuns(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (!IsDigit(text[i]) && !(text[i] == '+' && i + 1 < text.size() && IsDigit(text[i + 1]))) {
      ++i;
      continue;
    }
    DigitRun run;
    run.phone_prefix = text[i] == '+' || text[i] == '0';
    if (text[i] == '+') ++i;
    while (i < text.size()) {
      if (IsDigit(text[i])) {
        ++run.digits;
        ++i;
      } else if ((text[i] == ' ' || text[i] == '-' || text[i] == '.' || text[i] == '/') &&
                 i + 1 < text.size() && IsDigit(text[i + 1])) {
        run.separated = true;
        ++i;
      } else {
        break;
      }
    }
    if (run.phone_prefix && run.digits >= 9) return v1::IDENTIFYING_INFORMATION_KIND_PHONE_NUMBER;
    if (!run.separated && run.digits >= 8) return v1::IDENTIFYING_INFORMATION_KIND_ID_NUMBER;
    if (run.digits >= 11) return v1::IDENTIFYING_INFORMATION_KIND_ID_NUMBER;
  }
  return std::nullopt;
}

// A birth keyword followed closely by something date-shaped (digits with . / - separators).
bool HasDateOfBirth(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  for (absl::string_view keyword :
       {"born", "dob", "d.o.b", "date of birth", "birth date", "birthday", "geboren", "geb."}) {
    const std::string word(keyword);
    for (size_t at = lower.find(word); at != std::string::npos; at = lower.find(word, at + 1)) {
      absl::string_view after = absl::string_view(lower).substr(at + keyword.size(), 24);
      int digits = 0;
      int separators = 0;
      for (char c : after) {
        if (IsDigit(c)) ++digits;
        if (c == '.' || c == '/' || c == '-') ++separators;
      }
      if (digits >= 4 && separators >= 1) return true;
    }
  }
  return false;
}

}  // namespace

std::optional<IdentifyingInformationKind> FindIdentifyingInformation(absl::string_view text) {
  if (HasEmailAddress(text)) return v1::IDENTIFYING_INFORMATION_KIND_EMAIL_ADDRESS;
  if (HasDateOfBirth(text)) return v1::IDENTIFYING_INFORMATION_KIND_DATE_OF_BIRTH;
  return ScanDigitRuns(text);
}

}  // namespace casework::records
