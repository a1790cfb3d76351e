// The client other services use to reach the records service: one channel, a service identity
// token on every call, a deadline on every call. The service identity ("session-service" or
// "notification-service", org "*") comes either from a token file the platform provisions
// (re-read when it changes, so rotation needs no restart) or, for local runs, minted here from
// the HS256 development key and renewed before it expires.
#ifndef LIBS_RECORDS_CLIENT_RECORDS_CLIENT_H_
#define LIBS_RECORDS_CLIENT_RECORDS_CLIENT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "casework/v1/records_service.grpc.pb.h"
#include "libs/auth/signing_keys.h"

namespace casework {

struct RecordsClientOptions {
  std::string address = "127.0.0.1:50052";  // host:port of casework-records
  // The service's identity: exactly one of a token file, or a key to mint tokens with.
  std::string token_file;      // a JWT, re-read when its modification time changes
  std::string hs256_key_file;  // development: mint tokens with this key (kid "dev")
  std::string role;            // "session-service" or "notification-service" (minted tokens)
  std::string issuer = "casework-dev";
  std::string audience = "casework";
  absl::Duration deadline = absl::Seconds(2);  // of every call made through Prepare()
  std::string tls_ca_file;  // PEM roots; empty: plaintext (loopback and service meshes)
};

// Thread-safe. Calls are made on stub() with a context from Prepare().
class RecordsClient {
 public:
  static absl::StatusOr<std::unique_ptr<RecordsClient>> Create(RecordsClientOptions options);

  casework::v1::RecordsService::StubInterface& stub() { return *stub_; }

  // Sets the deadline and the bearer token on `context`. UNAVAILABLE (DEPENDENCY_UNAVAILABLE) when
  // no valid token can be had (the token file is missing or unreadable).
  absl::Status Prepare(grpc::ClientContext& context);

 private:
  RecordsClient(RecordsClientOptions options,
                std::unique_ptr<casework::v1::RecordsService::StubInterface> stub);
  absl::StatusOr<std::string> Token();

  const RecordsClientOptions options_;
  std::unique_ptr<casework::v1::RecordsService::StubInterface> stub_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time token_renew_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t token_file_mtime_ns_ ABSL_GUARDED_BY(mu_) = -1;
};

}  // namespace casework

#endif  // LIBS_RECORDS_CLIENT_RECORDS_CLIENT_H_
