// The probe service's GetSession.
#include "tests/probe_session_service.h"

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/server/authenticating_credentials.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"

namespace casework::testing {

grpc::ServerUnaryReactor* ProbeSessionService::GetSession(
    grpc::CallbackServerContext* context, const casework::v1::GetSessionRequest* request,
    casework::v1::Session* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<casework::v1::Principal> caller = CallerPrincipal(*context);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  const std::string& name = request->name();
  if (name == "fail") {
    reactor->Finish(ToGrpcStatus(InvalidArgument(
        "PROBE_INVALID", {{"name", "is not a session name"}, {"request_id", "is required"}})));
    return reactor;
  }
  int delay_ms = 0;
  if (absl::StartsWith(name, "slow/") && absl::SimpleAtoi(name.substr(5), &delay_ms)) {
    response->set_name(name);
    // Simulated work that ends on another thread, as real handlers' storage callbacks do; like
    // them it gives up when the call is cancelled (e.g. by Shutdown after the drain grace).
    std::thread([context, reactor, delay_ms] {
      const absl::Time done = absl::Now() + absl::Milliseconds(delay_ms);
      while (absl::Now() < done) {
        if (context->IsCancelled()) {
          reactor->Finish(grpc::Status::CANCELLED);
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      reactor->Finish(grpc::Status::OK);
    }).detach();
    return reactor;
  }
  response->set_name(absl::StrCat(name, "/by/", caller->subject(), "/in/", caller->organization()));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace casework::testing
