#include "libs/status/errors.h"

#include "gtest/gtest.h"
#include "libs/status/status_macros.h"

namespace casework {
namespace {

TEST(ErrorsTest, ErrorCarriesReasonDomainAndMetadata) {
  absl::Status status = Error(absl::StatusCode::kFailedPrecondition, "WRONG_PHASE",
                              "questions are asked in phase 2", {{"phase", "hypotheses"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "questions are asked in phase 2");
  auto info = GetErrorInfo(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "WRONG_PHASE");
  EXPECT_EQ(info->domain(), kErrorDomain);
  EXPECT_EQ(info->metadata().at("phase"), "hypotheses");
  EXPECT_FALSE(GetBadRequest(status).has_value());
}

TEST(ErrorsTest, InvalidArgumentListsEveryViolation) {
  absl::Status status = InvalidArgument(
      "INVALID_FIELDS", {{"page_size", "must not be negative"}, {"parent", "is required"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(status), "INVALID_FIELDS");
  auto bad_request = GetBadRequest(status);
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 2);
  EXPECT_EQ(bad_request->field_violations(1).field(), "parent");
  EXPECT_NE(status.message().find("page_size: must not be negative"), absl::string_view::npos);
}

TEST(ErrorsTest, PlainStatusHasNoDetails) { EXPECT_EQ(ErrorReason(absl::NotFoundError("x")), ""); }

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  CASEWORK_ASSIGN_OR_RETURN(int half, Half(n));
  CASEWORK_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int n) {
  CASEWORK_RETURN_IF_ERROR(Half(n).status());
  return absl::OkStatus();
}

TEST(StatusMacrosTest, PropagateErrorsAndValues) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_FALSE(CheckEven(3).ok());
}

}  // namespace
}  // namespace casework
