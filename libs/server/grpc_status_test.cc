#include "libs/server/grpc_status.h"

#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "libs/status/errors.h"

namespace casework {
namespace {

TEST(GrpcStatusTest, OkMapsToOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok()); }

TEST(GrpcStatusTest, CodeMessageAndDetailsCarryOver) {
  absl::Status status = InvalidArgument("CONTRIBUTION_INVALID", {{"text", "must not be empty"}});
  grpc::Status wire = ToGrpcStatus(status);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(wire.error_message(), status.message());
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(wire.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  EXPECT_EQ(details.details_size(), 2);

  absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(back), "CONTRIBUTION_INVALID");
  ASSERT_TRUE(GetBadRequest(back).has_value());
  EXPECT_EQ(GetBadRequest(back)->field_violations(0).field(), "text");
}

TEST(GrpcStatusTest, PlainErrorGetsReasonFromItsCode) {
  absl::Status back = FromGrpcStatus(ToGrpcStatus(absl::FailedPreconditionError("wrong phase")));
  EXPECT_EQ(back.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ErrorReason(back), "FAILED_PRECONDITION");
  EXPECT_EQ(GetErrorInfo(back)->domain(), kErrorDomain);
}

TEST(GrpcStatusTest, EveryCodeMapsToTheSameNumber) {
  for (int code = 1; code <= 16; ++code) {
    absl::Status status(static_cast<absl::StatusCode>(code), "x");
    EXPECT_EQ(static_cast<int>(ToGrpcStatus(status).error_code()), code);
  }
}

}  // namespace
}  // namespace casework
