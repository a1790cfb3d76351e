// casework-health-probe: one grpc.health.v1 Check with a deadline, for container HEALTHCHECKs.
// Exit 0 only when the answer is SERVING; 1 for anything else (NOT_SERVING while draining,
// unknown service, no answer within the deadline); 2 for a usage error. Kept tiny and
// dependency-free (no token, no TLS: health is the one unauthenticated service, and the check
// runs inside the container on loopback).
#include <grpcpp/grpcpp.h>

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "health/v1/health.grpc.pb.h"

ABSL_FLAG(std::string, address, "127.0.0.1:50051", "host:port of the service's gRPC endpoint");
ABSL_FLAG(std::string, service, "", "service name to ask about (empty: the server as a whole)");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(2), "deadline of the Check call");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "casework-health-probe [--address=host:port] [--service=NAME] [--timeout=2s]\n"
      "grpc.health.v1 Check; exit 0 only when SERVING.");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  if (positional.size() > 1 || timeout <= absl::ZeroDuration()) {
    std::cerr << "casework-health-probe: unexpected arguments or non-positive --timeout\n";
    return 2;
  }
  const std::string address = absl::GetFlag(FLAGS_address);
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(absl::GetFlag(FLAGS_service));
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    std::cerr << address << ": " << status.error_message() << "\n";
    return 1;
  }
  std::cout << address << " "
            << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()) << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}
