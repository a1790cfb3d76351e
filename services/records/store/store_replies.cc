#include "services/records/store/store_replies.h"

#include <openssl/sha.h>

#include "libs/status/errors.h"

namespace casework::records::stores {

absl::Status Unavailable(absl::string_view cause, absl::string_view message) {
  return Error(absl::StatusCode::kUnavailable, "STORE_UNAVAILABLE", message,
               {{"cause", std::string(cause)}});
}

std::string Digest(absl::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

absl::Status RequestIdReused() {
  return InvalidArgument("REQUEST_ID_REUSED",
                         {{"request_id",
                           "was already used by this caller for a different request; retries "
                           "must resend the identical request"}});
}

}  // namespace casework::records::stores
