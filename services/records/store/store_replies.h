// What the SQLite and PostgreSQL record stores answer alike.
#ifndef SERVICES_RECORDS_STORE_STORE_REPLIES_H_
#define SERVICES_RECORDS_STORE_STORE_REPLIES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace casework::records::stores {

// UNAVAILABLE `STORE_UNAVAILABLE` with metadata `cause`: the store cannot answer now (retry).
absl::Status Unavailable(absl::string_view cause, absl::string_view message);

// The SHA-256 of a request's bytes, kept with its request_id to tell a retry from a reuse.
std::string Digest(absl::string_view bytes);

// INVALID_ARGUMENT `REQUEST_ID_REUSED` on `request_id`: the id came with a different request.
absl::Status RequestIdReused();

}  // namespace casework::records::stores

#endif  // SERVICES_RECORDS_STORE_STORE_REPLIES_H_
