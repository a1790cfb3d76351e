// The keepalive channel arguments, applied through a ServerBuilderPlugin (see the header).
#include "services/notification/server_keepalive.h"

#include <grpcpp/impl/server_builder_plugin.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

namespace casework::notification {
namespace {

ServerKeepalive& Installed() {
  static ServerKeepalive* keepalive = new ServerKeepalive;
  return *keepalive;
}

int Millis(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

class KeepalivePlugin final : public grpc::ServerBuilderPlugin {
 public:
  std::string name() override { return "casework_keepalive"; }
  void InitServer(grpc::ServerInitializer*) override {}
  void Finish(grpc::ServerInitializer*) override {}
  void ChangeArguments(const std::string&, void*) override {}
  void UpdateChannelArguments(grpc::ChannelArguments* args) override {
    const ServerKeepalive& keepalive = Installed();
    args->SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, Millis(keepalive.ping_interval));
    args->SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Millis(keepalive.ping_timeout));
    args->SetInt(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                 Millis(keepalive.min_client_ping_interval));
    // Keep pinging an idle stream (the default stops after two pings without data).
    args->SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  }
};

std::unique_ptr<grpc::ServerBuilderPlugin> CreateKeepalivePlugin() {
  return std::make_unique<KeepalivePlugin>();
}

}  // namespace

void InstallServerKeepalive(const ServerKeepalive& keepalive) {
  Installed() = keepalive;
  static const bool registered = [] {
    grpc::ServerBuilder::InternalAddPluginFactory(&CreateKeepalivePlugin);
    return true;
  }();
  (void)registered;
}

}  // namespace casework::notification
