// casework-bench-server: the baseline servers, each its own process so its CPU and memory are
// read from /proc like the services'. --mode=echo (EchoService), durable-echo (EchoService that
// answers once Redis has appended the payload: the floor of any durable Redis-backed command),
// hub (the fan-out hub serving WatchSession and Pause/Resume/GetSession) or tcp (raw ping-pong).
// Runs until SIGTERM/SIGINT.
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
#include "libs/redis/redis_client.h"
#include "libs/redis/redis_script.h"

ABSL_FLAG(std::string, mode, "echo", "echo | hub | tcp");
ABSL_FLAG(int, port, 50099, "loopback port to serve on");
ABSL_FLAG(int, payload, 100, "tcp: message size");
ABSL_FLAG(int, queue_limit, 1024, "hub: frames queued per subscriber before it is cut off");
ABSL_FLAG(int, redis_port, 6379, "durable-echo: the loopback Redis to append to");

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

// The durable echo: the request's payload goes to a Redis stream with one EVALSHA (one script, as
// a session command's append is), on the same client library the services use, and the answer
// leaves when Redis has replied — with `appendfsync always`, when the payload is on disk. The
// stream is capped, so a long run does not fill Redis.
constexpr char kDurableAppendLua[] =
    "redis.call('XADD', KEYS[1], 'MAXLEN', '~', 100000, '*', 'p', ARGV[1])\n"
    "return 1\n";

class DurableEchoServiceImpl final : public casework::bench::EchoService::CallbackService {
 public:
  explicit DurableEchoServiceImpl(casework::redis::RedisClient& redis)
      : redis_(redis), script_(kDurableAppendLua) {}

 private:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const casework::bench::EchoMessage* request,
                                 casework::bench::EchoMessage* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    script_.Run(redis_, {"bench:durable-echo"}, {request->SerializeAsString()},
                [reactor, request, response](absl::StatusOr<casework::redis::RedisValue> reply) {
                  if (!reply.ok() || reply->is_error()) {
                    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "redis"));
                    return;
                  }
                  *response = *request;
                  reactor->Finish(grpc::Status::OK);
                });
    return reactor;
  }

  casework::redis::RedisClient& redis_;
  const casework::redis::RedisScript script_;
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
  std::unique_ptr<casework::redis::RedisClient> redis;
  std::unique_ptr<DurableEchoServiceImpl> durable_echo;
  if (mode == "durable-echo") {
    casework::redis::RedisOptions redis_options;
    redis_options.port = absl::GetFlag(FLAGS_redis_port);
    redis = casework::redis::RedisClient::Start(redis_options);
    durable_echo = std::make_unique<DurableEchoServiceImpl>(*redis);
  }
  casework::bench::FanoutHub hub(static_cast<size_t>(absl::GetFlag(FLAGS_queue_limit)));
  casework::bench::HubNotificationService hub_watch(hub);
  casework::bench::HubSessionService hub_sessions(hub);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::StrCat("127.0.0.1:", port), grpc::InsecureServerCredentials());
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  if (mode == "echo") {
    builder.RegisterService(&echo);
  } else if (mode == "durable-echo") {
    builder.RegisterService(durable_echo.get());
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
