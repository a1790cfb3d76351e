// What the fault-suite tests (tests/faults) share beyond the session, records and notification
// test support: the notification binary as a child process, and a Balint consultation brought to
// its questions phase, where every member may add clarifying questions.
#ifndef TESTS_FAULTS_FAULT_TEST_SUPPORT_H_
#define TESTS_FAULTS_FAULT_TEST_SUPPORT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/testing/process.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {

// casework-notification on 127.0.0.1:`port` with Redis on `redis_port` and the records service
// (team member lists) on `records_port`, verifying the test keys (HS256 key in `key_file`, which
// also mints its records identity), logging to `log_path`.
absl::StatusOr<std::unique_ptr<ChildProcess>> StartNotificationBinary(
    int port, int redis_port, int records_port, const std::string& key_file,
    const std::string& log_path, std::vector<std::string> extra_flags = {});

// A clarifying question as `request_id` with text `text` (no retry; deadline `timeout`).
grpc::Status AddQuestion(casework::v1::SessionService::Stub& stub, const std::string& subject,
                         const std::string& session, const std::string& request_id,
                         const std::string& text, absl::Duration timeout,
                         bool wait_for_ready = false);

}  // namespace casework::testing

#endif  // TESTS_FAULTS_FAULT_TEST_SUPPORT_H_
