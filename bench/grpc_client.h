// Client plumbing shared by the scenarios: channels that do not share a connection, bearer
// tokens minted with the development key, and one callback-API unary call whose request,
// response and context live until its completion.
#ifndef BENCH_GRPC_CLIENT_H_
#define BENCH_GRPC_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/signing_keys.h"

namespace casework::bench {

// `count` channels to `address`, each with its own TCP connection (a local subchannel pool and a
// distinguishing argument), so "4 channels" really means four connections.
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& address, int count);

// Waits until the channel is connected; false after `timeout`.
bool WaitConnected(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout);

// Mints HS256 tokens the services accept (issuer casework-dev, audience casework).
class TokenMinter {
 public:
  static absl::StatusOr<TokenMinter> Load(const std::string& key_file);
  std::string Mint(const std::string& subject, const std::string& organization,
                   const std::vector<std::string>& roles,
                   const std::vector<std::string>& teams) const;

 private:
  explicit TokenMinter(auth::JwtKey key) : key_(std::move(key)) {}
  auth::JwtKey key_;
};

// A context carrying `authorization: Bearer <token>` (none when empty) and a deadline.
void PrepareContext(grpc::ClientContext& context, const std::string& token,
                    absl::Duration timeout = absl::Seconds(10));

// One callback-API unary call. `issue(context, request, response, callback)` starts it (e.g. a
// lambda calling stub->async()->Method); `done` receives the status and the response.
template <typename Request, typename Response>
struct PendingUnary {
  grpc::ClientContext context;
  Request request;
  Response response;
};

template <typename Request, typename Response, typename Issue>
void CallUnary(const std::string& token, Request request, Issue issue,
               std::function<void(const grpc::Status&, const Response&)> done,
               absl::Duration timeout = absl::Seconds(10)) {
  auto* call = new PendingUnary<Request, Response>;
  PrepareContext(call->context, token, timeout);
  call->request = std::move(request);
  issue(&call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) {
          done(status, call->response);
          delete call;
        });
}

// Blocking helper for set-up steps: `invoke(context, request, response)` → status.
template <typename Request, typename Response, typename Invoke>
grpc::Status CallBlocking(const std::string& token, const Request& request, Response* response,
                          Invoke invoke, absl::Duration timeout = absl::Seconds(30)) {
  grpc::ClientContext context;
  PrepareContext(context, token, timeout);
  context.set_wait_for_ready(true);  // set-up may start while a server is still coming up
  return invoke(&context, request, response);
}

// "CODE: message" of a failed status, for set-up errors.
std::string Describe(const grpc::Status& status);

}  // namespace casework::bench

#endif  // BENCH_GRPC_CLIENT_H_
