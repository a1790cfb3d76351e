// A TCP fault proxy for tests and fault runs, loopback only: it listens on 127.0.0.1 and forwards
// every connection to 127.0.0.1:<target_port>. Bytes from the client go through untouched. Bytes
// from the server are read as HTTP/2 frames, and when the first HEADERS frame of a stream (the
// start of a gRPC response, sent only after the server has read and handled the request) comes
// back, the proxy drops it with probability `drop_response_ratio` by closing both sides of the
// connection: the request was forwarded and acted on, the response never arrives. Clients see
// UNAVAILABLE and must retry with the same request_id.
#ifndef TOOLS_FAULT_PROXY_FAULT_PROXY_H_
#define TOOLS_FAULT_PROXY_FAULT_PROXY_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace casework::fault_proxy {

struct FaultProxyOptions {
  int listen_port = 0;  // 0: any free port on 127.0.0.1
  int target_port = 0;  // 127.0.0.1:<target_port>
  double drop_response_ratio = 0.1;
  uint32_t seed = 0;  // 0: random
};

class FaultProxy {
 public:
  static absl::StatusOr<std::unique_ptr<FaultProxy>> Start(FaultProxyOptions options);
  ~FaultProxy();  // closes the listener and every connection, joins its threads

  int port() const { return port_; }
  // Responses (first HEADERS frames of a stream) seen from the server, and those dropped.
  int64_t responses() const { return responses_.load(); }
  int64_t dropped() const { return dropped_.load(); }
  int64_t connections() const { return connections_.load(); }

 private:
  explicit FaultProxy(FaultProxyOptions options) : options_(options) {}
  void AcceptLoop();
  void Relay(int client, uint64_t seed);
  // Whether to drop the response whose first HEADERS frame just arrived.
  bool RollDrop(uint64_t& state) const;

  FaultProxyOptions options_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> responses_{0}, dropped_{0}, connections_{0};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<std::thread> relays_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casework::fault_proxy

#endif  // TOOLS_FAULT_PROXY_FAULT_PROXY_H_
