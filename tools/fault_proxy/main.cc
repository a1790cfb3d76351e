// casework-fault-proxy: forwards 127.0.0.1:<listen_port> to 127.0.0.1:<target_port> and drops the
// given share of gRPC responses after their request was forwarded (see fault_proxy.h). For fault
// runs by hand, e.g. in front of casework-records; runs until SIGINT or SIGTERM.
#include <signal.h>

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "tools/fault_proxy/fault_proxy.h"

ABSL_FLAG(int, listen_port, 0, "port on 127.0.0.1 to listen on (0: any, printed)");
ABSL_FLAG(int, target_port, 50052, "port on 127.0.0.1 to forward to");
ABSL_FLAG(double, drop_response_ratio, 0.1, "share of responses dropped, in [0, 1]");
ABSL_FLAG(uint32_t, seed, 0, "random seed (0: random)");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts
  casework::fault_proxy::FaultProxyOptions options;
  options.listen_port = absl::GetFlag(FLAGS_listen_port);
  options.target_port = absl::GetFlag(FLAGS_target_port);
  options.drop_response_ratio = absl::GetFlag(FLAGS_drop_response_ratio);
  options.seed = absl::GetFlag(FLAGS_seed);
  auto proxy = casework::fault_proxy::FaultProxy::Start(options);
  if (!proxy.ok()) {
    std::fprintf(stderr, "%s\n", proxy.status().ToString().c_str());
    return 2;
  }
  std::printf("listening on 127.0.0.1:%d -> 127.0.0.1:%d, dropping %.0f%% of responses\n",
              (*proxy)->port(), options.target_port, 100 * options.drop_response_ratio);
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  std::printf("%lld responses, %lld dropped, %lld connections\n",
              static_cast<long long>((*proxy)->responses()),
              static_cast<long long>((*proxy)->dropped()),
              static_cast<long long>((*proxy)->connections()));
  return 0;
}
