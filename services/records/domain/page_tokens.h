// Opaque, signed page tokens (AIP-158). A token carries the position after which the next page
// starts and a MAC over that position and the request's other parameters (method, parent, filter,
// order, caller), so a tampered token, or one replayed with other parameters, is refused with
// INVALID_ARGUMENT (FIELD_INVALID on "page_token"). The MAC comes from an injected authenticator
// (HMAC-SHA256 in production, services/records/store/hmac_authenticator.h).
#ifndef SERVICES_RECORDS_DOMAIN_PAGE_TOKENS_H_
#define SERVICES_RECORDS_DOMAIN_PAGE_TOKENS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/records/domain/record_store.h"

namespace casework::records {

class MessageAuthenticator {
 public:
  virtual ~MessageAuthenticator() = default;
  // A MAC of `data` under the process's secret.
  virtual std::string Sign(absl::string_view data) const = 0;
};

class PageTokens {
 public:
  explicit PageTokens(const MessageAuthenticator& authenticator) : authenticator_(authenticator) {}

  std::string Seal(const Position& after, absl::string_view binding) const;
  // The position of a token; nullopt for the empty token (first page).
  absl::StatusOr<std::optional<Position>> Open(absl::string_view token,
                                               absl::string_view binding) const;

 private:
  const MessageAuthenticator& authenticator_;
};

// page_size (AIP-158): 0 → 50, above 1000 → 1000, negative → INVALID_ARGUMENT.
absl::StatusOr<int> EffectivePageSize(int requested);

}  // namespace casework::records

#endif  // SERVICES_RECORDS_DOMAIN_PAGE_TOKENS_H_
