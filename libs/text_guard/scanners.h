// The detectors behind identifying_information.h, each a linear scan of normalised text
// (text_normalizer.h). Internal to the library.
#ifndef LIBS_TEXT_GUARD_SCANNERS_H_
#define LIBS_TEXT_GUARD_SCANNERS_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"
#include "casework/v1/errors.pb.h"

namespace casework::text_guard::internal {

// local@domain.tld, the domain possibly internationalised ("müller.de", "xn--mller-kva.de").
bool HasEmailAddress(absl::string_view text);

// An IBAN of any country, grouped or not, whose ISO 7064 mod-97 check digits are right.
bool HasIban(absl::string_view text);

// A full calendar date within a few words of a word announcing a birth, before or after it
// ("born 3 April 2012", "geb. 03.04.2012", "op 3 maart 2012 geboren").
bool HasDateOfBirth(absl::string_view text);

// The length of the full date (day, month and year; numeric or with an English, German or Dutch
// month name) starting at `i`, or 0.
size_t FullDateAt(absl::string_view text, size_t i);

// Phone numbers and id numbers among the text's digit runs and letter-digit words.
std::optional<casework::v1::IdentifyingInformationKind> FindNumber(absl::string_view text);

}  // namespace casework::text_guard::internal

#endif  // LIBS_TEXT_GUARD_SCANNERS_H_
