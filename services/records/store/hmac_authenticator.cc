// HMAC-SHA256 with OpenSSL.
#include "services/records/store/hmac_authenticator.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace casework::records {

absl::StatusOr<std::unique_ptr<HmacAuthenticator>> HmacAuthenticator::Create(std::string secret) {
  if (secret.size() < 16) {
    return absl::InvalidArgumentError("the page token secret needs at least 16 bytes");
  }
  return std::unique_ptr<HmacAuthenticator>(new HmacAuthenticator(std::move(secret)));
}

absl::StatusOr<std::unique_ptr<HmacAuthenticator>> HmacAuthenticator::FromFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return Create(std::string(absl::StripAsciiWhitespace(content.str())));
}

std::unique_ptr<HmacAuthenticator> HmacAuthenticator::WithRandomSecret() {
  std::string secret(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), 32) != 1) std::abort();
  return std::unique_ptr<HmacAuthenticator>(new HmacAuthenticator(std::move(secret)));
}

std::string HmacAuthenticator::Sign(absl::string_view data) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length);
  return std::string(reinterpret_cast<const char*>(mac), length);
}

}  // namespace casework::records
