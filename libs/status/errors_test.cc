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

TEST(ErrorsTest, QuotaExceededNamesTheSubjectTheLimitAndWhenToRetry) {
  absl::Status status = QuotaExceeded("SESSION_BUSY", "64 commands are already waiting",
                                      {"organizations/o/teams/t/sessions/s", "at most 64 waiting"},
                                      absl::Milliseconds(1500), {{"limit", "64"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorReason(status), "SESSION_BUSY");
  EXPECT_EQ(GetErrorInfo(status)->metadata().at("limit"), "64");
  std::optional<google::rpc::QuotaFailure> failure = GetQuotaFailure(status);
  ASSERT_TRUE(failure.has_value());
  ASSERT_EQ(failure->violations_size(), 1);
  EXPECT_EQ(failure->violations(0).subject(), "organizations/o/teams/t/sessions/s");
  EXPECT_EQ(failure->violations(0).description(), "at most 64 waiting");
  std::optional<google::rpc::RetryInfo> retry = GetRetryInfo(status);
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->retry_delay().seconds(), 1);
  EXPECT_EQ(retry->retry_delay().nanos(), 500000000);
}

TEST(ErrorsTest, QuotaExceededWithoutAWaitCarriesNoRetryInfo) {
  absl::Status status =
      QuotaExceeded("CASES_LIMIT", "the organisation holds its maximum of cases",
                    {"organizations/o", "at most 10 cases"}, absl::ZeroDuration());
  EXPECT_TRUE(GetQuotaFailure(status).has_value());
  EXPECT_FALSE(GetRetryInfo(status).has_value());
}

TEST(ErrorsTest, ShortPrefixKeepsShortInputAndCutsLongInputAtACharacter) {
  EXPECT_EQ(ShortPrefix("organizations/o1"), "organizations/o1");
  EXPECT_EQ(ShortPrefix(std::string(48, 'x')), std::string(48, 'x'));
  EXPECT_EQ(ShortPrefix(std::string(1 << 20, 'x')), std::string(48, 'x') + "...(1048576 bytes)");
  // "ä" is two bytes: a cut through it keeps the whole character out.
  EXPECT_EQ(ShortPrefix("abcä", 4), "abc...(5 bytes)");
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
