// The identifying-information guard: whether a free text holds something that identifies a client
// — an e-mail address, a phone number, an id number, an IBAN or a date of birth — in any script,
// spacing or digit form. The session engine (before a protocol's own patterns) and the records
// service (on every free text) both ask it, so one rule decides everywhere. Heuristic by nature:
// it errs towards refusing, yet leaves ordinary casework prose alone (dates, times, years,
// amounts, durations, version numbers, hexadecimal fragments). Callers never echo the text.
#ifndef LIBS_TEXT_GUARD_IDENTIFYING_INFORMATION_H_
#define LIBS_TEXT_GUARD_IDENTIFYING_INFORMATION_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "casework/v1/errors.pb.h"

namespace casework::text_guard {

// The kind of the first identifying information found in `text` (any text; it is normalised
// with NormalizeForGuard first), checked in the order e-mail address, IBAN, date of birth, then
// phone and id numbers; nullopt when there is none.
std::optional<casework::v1::IdentifyingInformationKind> FindIdentifyingInformation(
    absl::string_view text);

// The same for text that NormalizeForGuard already produced (callers that also match patterns of
// their own against it normalise once).
std::optional<casework::v1::IdentifyingInformationKind> FindInNormalizedText(
    absl::string_view normalized);

}  // namespace casework::text_guard

#endif  // LIBS_TEXT_GUARD_IDENTIFYING_INFORMATION_H_
