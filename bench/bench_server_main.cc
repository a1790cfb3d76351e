// casework-bench-server: the baseline servers, each its own process so its CPU and memory are
// read from /proc like the services'. --mode=echo (EchoService), hub (the fan-out hub serving
// WatchSession and Pause/Resume/GetSession) or tcp (raw ping-pong). Runs until SIGTERM/SIGINT.
#include <grpcpp/grpcpp.h>
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "bench/fanout_hub.h"
#include "bench/raw_baselines.h"
#include "casework_bench/echo.grpc.pb.h"

ABSL_FLAG(std::string, mode, "echo", "echo | hub | tcp");
ABSL_FLAG(int, port, 50099, "loopback port to serve on");
ABSL_FLAG(int, payload, 100, "tcp: message size");
ABSL_FLAG(int, queue_limit, 1024, "hub: frames queued per subscriber before it is cut off");

namespace {

class EchoServiceImpl final : public casework::bench::EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const casework::bench::EchoMessage* request,
                                 casework::bench::EchoMessage* response) override {
    *response = *request;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

int WaitForSignal(const sigset_t& signals) {
  int signal = 0;
  sigwait(&signals, &signal);
  return signal;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // Block the stop signals before any thread starts; the main thread takes them with sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string mode = absl::GetFlag(FLAGS_mode);
  const int port = absl::GetFlag(FLAGS_port);
  if (mode == "tcp") {
    std::thread([port] {
      absl::Status status = casework::bench::ServeTcpEcho(port, absl::GetFlag(FLAGS_payload));
      std::cerr << "casework-bench-server: " << status << "\n";
      std::_Exit(1);
    }).detach();
    WaitForSignal(signals);
    return 0;
  }

  EchoServiceImpl echo;
  casework::bench::FanoutHub hub(static_cast<size_t>(absl::GetFlag(FLAGS_queue_limit)));
  casework::bench::HubNotificationService hub_watch(hub);
  casework::bench::HubSessionService hub_sessions(hub);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", port), grpc::InsecureServerCredentials());
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (mode == "echo") {
    builder.RegisterService(&echo);
  } else if (mode == "hub") {
    builder.RegisterService(&hub_watch);
    builder.RegisterService(&hub_sessions);
  } else {
    std::cerr << "casework-bench-server: unknown --mode " << mode << "\n";
    return 2;
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::cerr << "casework-bench-server: cannot serve on port " << port << "\n";
    return 1;
  }
  WaitForSignal(signals);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}
