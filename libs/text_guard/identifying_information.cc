// The order of the detectors: the most specific first, so the kind reported is the one a person
// would name (an IBAN is also a long digit run; a date of birth also a date).
#include "libs/text_guard/identifying_information.h"

#include "libs/text_guard/scanners.h"
#include "libs/text_guard/text_normalizer.h"

namespace casework::text_guard {

std::optional<v1::IdentifyingInformationKind> FindInNormalizedText(absl::string_view normalized) {
  if (internal::HasEmailAddress(normalized)) return v1::IDENTIFYING_INFORMATION_KIND_EMAIL_ADDRESS;
  if (internal::HasIban(normalized)) return v1::IDENTIFYING_INFORMATION_KIND_BANK_ACCOUNT;
  if (internal::HasDateOfBirth(normalized)) return v1::IDENTIFYING_INFORMATION_KIND_DATE_OF_BIRTH;
  return internal::FindNumber(normalized);
}

std::optional<v1::IdentifyingInformationKind> FindIdentifyingInformation(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  return FindInNormalizedText(NormalizeForGuard(text));
}

}  // namespace casework::text_guard
