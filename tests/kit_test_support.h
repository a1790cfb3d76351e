// Client-side helpers of the integration tests: channels, tokens in contexts, health, reflection
// and metrics.
#ifndef TESTS_KIT_TEST_SUPPORT_H_
#define TESTS_KIT_TEST_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "casework/v1/session_service.grpc.pb.h"
#include "tests/probe_session_service.h"

namespace casework::testing {

std::shared_ptr<grpc::Channel> LoopbackChannel(int port);

// A client context carrying `authorization: Bearer <token>` (none when token is empty) and a
// deadline.
std::unique_ptr<grpc::ClientContext> ContextWithToken(const std::string& token,
                                                      absl::Duration timeout = absl::Seconds(10));

// grpc.health.v1 Check of `service` ("" = the server); returns the status name or the error.
std::string HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service);

// Watches health until `service` reports `want`; false when the deadline passes first.
bool WaitUntilServing(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                      absl::Duration timeout, bool want = true);

// Service names the server's reflection lists, and the file that defines `symbol`.
std::vector<std::string> ReflectedServices(const std::shared_ptr<grpc::Channel>& channel,
                                           const std::string& token);
std::string ReflectedFileOf(const std::shared_ptr<grpc::Channel>& channel, const std::string& token,
                            const std::string& symbol);

// The value of one series in Prometheus text output, or -1 if absent. `series` is the exact
// text before the value, e.g. `grpc_server_started_total{grpc_method="X",...}` with the labels in
// the order prometheus-cpp prints them (sorted by name).
double MetricValue(const std::string& exposition, const std::string& series);

}  // namespace casework::testing

#endif  // TESTS_KIT_TEST_SUPPORT_H_
