// The notification binary and the session set-up of the fault-suite tests.
#include "tests/faults/fault_test_support.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/test_tokens.h"
#include "tests/kit_test_support.h"

namespace casework::testing {

absl::StatusOr<std::unique_ptr<ChildProcess>> StartNotificationBinary(
    int port, int redis_port, int records_port, const std::string& key_file,
    const std::string& log_path, std::vector<std::string> extra_flags) {
  std::vector<std::string> argv = {absl::StrCat(BinaryDir(), "/casework-notification"),
                                   absl::StrCat("--grpc_address=127.0.0.1:", port),
                                   "--metrics_address=off",
                                   absl::StrCat("--jwt_hs256_key_file=", key_file),
                                   absl::StrCat("--jwt_issuer=", kTestIssuer),
                                   absl::StrCat("--jwt_audience=", kTestAudience),
                                   absl::StrCat("--redis_address=127.0.0.1:", redis_port),
                                   absl::StrCat("--records_address=127.0.0.1:", records_port)};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  return ChildProcess::Start(argv, log_path);
}

grpc::Status AddQuestion(casework::v1::SessionService::Stub& stub, const std::string& subject,
                         const std::string& session, const std::string& request_id,
                         const std::string& text, absl::Duration timeout, bool wait_for_ready) {
  casework::v1::AddContributionRequest request;
  request.set_name(session);
  request.set_request_id(request_id);
  request.mutable_contribution()->set_kind(casework::v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION);
  request.mutable_contribution()->set_text(text);
  auto context = ContextWithToken(PersonToken(subject), timeout);
  context->set_wait_for_ready(wait_for_ready);
  casework::v1::AddContributionResponse response;
  return stub.AddContribution(context.get(), request, &response);
}

}  // namespace casework::testing
