// The records service the notification tests' cast lives in: in this process, on a temporary
// SQLite file, with team t1 of organisation acme whose member list names the subjects the tests
// watch as — f (facilitator), o, c1 and c2 (caseworkers), m1, m2, m3 and g (members) and s (the
// team's supervisor). Tokens minted by TokenFor carry the t1 claim for anyone, so "x" (claim, not
// on the list) is the outsider. The notification service reaches it as its own identity, minted
// with the test HS256 key from `key_file()`.
#ifndef TESTS_NOTIFICATION_CAST_RECORDS_H_
#define TESTS_NOTIFICATION_CAST_RECORDS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "libs/records_client/records_client.h"
#include "tests/records/records_test_support.h"

namespace casework::notification::testing {

inline constexpr char kTeam[] = "organizations/acme/teams/t1";

class CastRecords {
 public:
  // Nullptr (with the reason logged as a test failure) when the service cannot start or be seeded.
  static std::unique_ptr<CastRecords> Start();

  casework::testing::RecordsTestServer& server() { return *server_; }
  int port() const { return port_; }
  const std::string& key_file() const { return key_file_; }
  // A records client as the notification service: this address, the minted identity, test issuer
  // and audience.
  RecordsClientOptions ClientOptions() const;
  // The casework-notification flags that say the same.
  std::vector<std::string> BinaryFlags() const;

  // Takes `subject` off t1's member list, as the organisation's admin (UpdateTeam).
  grpc::Status RemoveMember(const std::string& subject);
  // Stops the records service (its port then refuses connections).
  void Stop() { server_.reset(); }

 private:
  CastRecords() = default;
  std::unique_ptr<casework::testing::TempDir> dir_;
  std::string key_file_;
  std::unique_ptr<casework::testing::RecordsTestServer> server_;
  int port_ = 0;
};

}  // namespace casework::notification::testing

#endif  // TESTS_NOTIFICATION_CAST_RECORDS_H_
