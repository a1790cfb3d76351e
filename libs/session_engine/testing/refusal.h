// GoogleTest helpers for the engine's refusals: the status code, the ErrorInfo reason (which must
// be a casework.v1.ErrorReason name), and OK checks that print the refusal when they fail.
#ifndef LIBS_SESSION_ENGINE_TESTING_REFUSAL_H_
#define LIBS_SESSION_ENGINE_TESTING_REFUSAL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "casework/v1/errors.pb.h"
#include "gtest/gtest.h"
#include "libs/status/errors.h"

namespace casework::session::testing {

inline ::testing::AssertionResult IsRefusal(const absl::Status& status, absl::StatusCode code,
                                            absl::string_view reason) {
  const std::string actual = ErrorReason(status);
  casework::v1::ErrorReason parsed;
  if (!casework::v1::ErrorReason_Parse("ERROR_REASON_" + actual, &parsed)) {
    return ::testing::AssertionFailure()
           << "reason \"" << actual << "\" is not an ErrorReason: " << status;
  }
  if (status.code() != code || actual != reason) {
    return ::testing::AssertionFailure()
           << "expected " << absl::StatusCodeToString(code) << " " << reason << ", got " << status;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace casework::session::testing

#define EXPECT_REFUSED(expr, code, reason) \
  EXPECT_TRUE(::casework::session::testing::IsRefusal((expr), absl::StatusCode::code, reason))
#define ASSERT_REFUSED(expr, code, reason) \
  ASSERT_TRUE(::casework::session::testing::IsRefusal((expr), absl::StatusCode::code, reason))
#define EXPECT_OK(expr)                             \
  do {                                              \
    const absl::Status casework_ok_ = (expr);       \
    EXPECT_TRUE(casework_ok_.ok()) << casework_ok_; \
  } while (false)
#define ASSERT_OK(expr)                             \
  do {                                              \
    const absl::Status casework_ok_ = (expr);       \
    ASSERT_TRUE(casework_ok_.ok()) << casework_ok_; \
  } while (false)

#endif  // LIBS_SESSION_ENGINE_TESTING_REFUSAL_H_
