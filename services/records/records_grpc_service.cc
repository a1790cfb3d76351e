// Every RecordsService RPC: principal → core → Finish.
#include "services/records/records_grpc_service.h"

#include "absl/strings/str_cat.h"
#include "libs/server/grpc_status.h"
#include "libs/server/request_bounds.h"

namespace casework {
namespace {

// The caller's x-request-id, when it is 1-128 printable ASCII characters (else nothing: no input
// reaches the audit log unbounded).
std::string RequestIdHeader(const grpc::CallbackServerContext& context) {
  auto found = context.client_metadata().find("x-request-id");
  if (found == context.client_metadata().end()) return "";
  const absl::string_view value(found->second.data(), found->second.size());
  if (value.empty() || value.size() > 128) return "";
  for (char c : value) {
    if (c < 0x21 || c > 0x7e) return "";
  }
  return std::string(value);
}

template <typename Request, typename Response>
using CoreMethod = void (records::RecordsCore::*)(const records::CallInfo&, const Request&,
                                                  records::Reply<Response>);

template <typename Request, typename Response>
grpc::ServerUnaryReactor* Serve(records::RecordsCore& core, grpc::CallbackServerContext* context,
                                const Request* request, Response* response,
                                absl::string_view method, CoreMethod<Request, Response> call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<casework::v1::Principal> principal = AdmitCall(*context, *request);
  if (!principal.ok()) {
    reactor->Finish(ToGrpcStatus(principal.status()));
    return reactor;
  }
  records::CallInfo info{
      *std::move(principal),
      absl::StrCat("/", casework::v1::RecordsService::service_full_name(), "/", method),
      RequestIdHeader(*context)};
  (core.*call)(info, *request, [reactor, response](absl::StatusOr<Response> result) {
    if (result.ok()) *response = *std::move(result);
    reactor->Finish(ToGrpcStatus(result.status()));
  });
  return reactor;
}

}  // namespace

#define CASEWORK_RECORDS_METHOD(Method, Request, Response)                                   \
  grpc::ServerUnaryReactor* RecordsGrpcService::Method(grpc::CallbackServerContext* context, \
                                                       const casework::v1::Request* request, \
                                                       Response* response) {                 \
    return Serve(core_, context, request, response, #Method, &records::RecordsCore::Method); \
  }
#include "services/records/domain/records_methods.inc"
#undef CASEWORK_RECORDS_METHOD

}  // namespace casework
