// HMAC-SHA256 under a secret: the MAC of the records service's page tokens. The secret comes from
// a file (so several replicas accept each other's tokens) or is drawn at start-up (tokens then
// end with the process, which AIP-158 allows).
#ifndef SERVICES_RECORDS_STORE_HMAC_AUTHENTICATOR_H_
#define SERVICES_RECORDS_STORE_HMAC_AUTHENTICATOR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/records/domain/page_tokens.h"

namespace casework::records {

class HmacAuthenticator final : public MessageAuthenticator {
 public:
  // At least 16 bytes of secret.
  static absl::StatusOr<std::unique_ptr<HmacAuthenticator>> Create(std::string secret);
  static absl::StatusOr<std::unique_ptr<HmacAuthenticator>> FromFile(const std::string& path);
  static std::unique_ptr<HmacAuthenticator> WithRandomSecret();

  std::string Sign(absl::string_view data) const override;

 private:
  explicit HmacAuthenticator(std::string secret) : secret_(std::move(secret)) {}
  std::string secret_;
};

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_HMAC_AUTHENTICATOR_H_
