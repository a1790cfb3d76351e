// `caseworkctl health`: grpc.health.v1 Check, or Watch until SERVING with --wait (for scripts).
#include <grpcpp/grpcpp.h>

#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "health/v1/health.grpc.pb.h"
#include "tools/caseworkctl/commands.h"

ABSL_FLAG(std::string, address, "",
          "the service's gRPC address (default: the service's local port, or "
          "$CASEWORK_<SERVICE>_ADDRESS; health: 127.0.0.1:50051)");
ABSL_FLAG(std::string, service, "", "health: service name to ask about (empty: the server)");
ABSL_FLAG(bool, wait, false, "health: wait until the service reports SERVING");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "health: give up after this long");

namespace casework::ctl {

using grpc::health::v1::HealthCheckResponse;

int RunHealthCommand() {
  const absl::Time deadline = absl::Now() + absl::GetFlag(FLAGS_timeout);
  std::string address = absl::GetFlag(FLAGS_address);
  if (address.empty()) address = "127.0.0.1:50051";
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(absl::GetFlag(FLAGS_service));

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(deadline));
  HealthCheckResponse response;
  grpc::Status status;
  if (absl::GetFlag(FLAGS_wait)) {
    // Watch streams the current status and every change; wait_for_ready rides out the time
    // before the server listens.
    context.set_wait_for_ready(true);
    auto reader = stub->Watch(&context, request);
    while (reader->Read(&response)) {
      if (response.status() == HealthCheckResponse::SERVING) {
        context.TryCancel();
        break;
      }
    }
    status = reader->Finish();
    if (response.status() == HealthCheckResponse::SERVING) status = grpc::Status::OK;
  } else {
    status = stub->Check(&context, request, &response);
  }
  if (!status.ok()) {
    std::cerr << address << ": " << status.error_message() << "\n";
    return 1;
  }
  std::cout << address << " " << HealthCheckResponse::ServingStatus_Name(response.status()) << "\n";
  return response.status() == HealthCheckResponse::SERVING ? 0 : 1;
}

}  // namespace casework::ctl
