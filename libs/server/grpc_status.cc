// absl::Status <-> grpc::Status with google.rpc.Status details.
#include "libs/server/grpc_status.h"

#include <string>

#include "absl/strings/cord.h"
#include "google/rpc/status.pb.h"
#include "libs/status/errors.h"

namespace casework {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  absl::Status detailed = status;
  if (!GetErrorInfo(status).has_value()) {
    std::string reason = absl::StatusCodeToString(status.code());
    for (char& c : reason) c = c == ' ' ? '_' : static_cast<char>(std::toupper(c));
    detailed = Error(status.code(), reason, status.message());
    status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
      detailed.SetPayload(type_url, payload);
    });
  }
  google::rpc::Status rpc_status;
  rpc_status.set_code(static_cast<int>(detailed.code()));
  rpc_status.set_message(std::string(detailed.message()));
  detailed.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    google::protobuf::Any* any = rpc_status.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  return grpc::Status(static_cast<grpc::StatusCode>(detailed.code()),
                      std::string(detailed.message()), rpc_status.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  google::rpc::Status rpc_status;
  if (!status.error_details().empty() && rpc_status.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& detail : rpc_status.details()) {
      result.SetPayload(detail.type_url(), absl::Cord(detail.value()));
    }
  }
  return result;
}

}  // namespace casework
