// The identifying-information guard every free text of the records service passes: text that
// looks like an e-mail address, a phone number, an id number or a date of birth is refused, so no
// client-identifying data reaches a case record, a meeting record or an action item. Heuristic by
// nature: it errs towards refusing, and the refusal never echoes the text.
#ifndef SERVICES_RECORDS_DOMAIN_TEXT_GUARD_H_
#define SERVICES_RECORDS_DOMAIN_TEXT_GUARD_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "casework/v1/errors.pb.h"

namespace casework::records {

std::optional<casework::v1::IdentifyingInformationKind> FindIdentifyingInformation(
    absl::string_view text);

}  // namespace casework::records

#endif  // SERVICES_RECORDS_DOMAIN_TEXT_GUARD_H_
