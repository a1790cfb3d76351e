// Template definitions of records_test_support.h.
#ifndef TESTS_RECORDS_RECORDS_TEST_SUPPORT_INL_H_
#define TESTS_RECORDS_RECORDS_TEST_SUPPORT_INL_H_

#include "tests/kit_test_support.h"

namespace casework::testing {

template <typename Request, typename Response>
grpc::Status Call(casework::v1::RecordsService::Stub& stub,
                  grpc::Status (casework::v1::RecordsService::Stub::*method)(grpc::ClientContext*,
                                                                             const Request&,
                                                                             Response*),
                  const std::string& token, const Request& request, Response* response) {
  auto context = ContextWithToken(token, absl::Seconds(30));
  return (stub.*method)(context.get(), request, response);
}

}  // namespace casework::testing

#endif  // TESTS_RECORDS_RECORDS_TEST_SUPPORT_INL_H_
