// See unparseable_request.h. The server hands interceptors a null request message when the body
// did not parse (POST_RECV_MESSAGE), and the status it sends then passes PRE_SEND_STATUS here,
// first of all interceptors, where it is replaced.
#include "libs/server/unparseable_request.h"

#include <google/protobuf/descriptor.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"

namespace casework {
namespace {

using grpc::experimental::InterceptionHookPoints;

// The request message of `/package.Service/Method`, or "" when the method is not compiled in.
std::string RequestMessageOf(absl::string_view path) {
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  if (parts.size() != 2) return "";
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(std::string(parts[0]));
  if (service == nullptr) return "";
  const google::protobuf::MethodDescriptor* method =
      service->FindMethodByName(std::string(parts[1]));
  return method == nullptr ? "" : method->input_type()->full_name();
}

class UnparseableRequestInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit UnparseableRequestInterceptor(std::string method) : method_(std::move(method)) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      unparsed_ = true;
    }
    if (unparsed_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        methods->GetSendStatus().error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      const std::string message = RequestMessageOf(method_);
      methods->ModifySendStatus(ToGrpcStatus(
          Error(absl::StatusCode::kInvalidArgument, "REQUEST_UNPARSEABLE",
                absl::StrCat("the request does not parse as ", message), {{"message", message}})));
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  bool unparsed_ = false;
};

class UnparseableRequestInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // Only our own services' methods (gRPC's health and reflection have their own handling).
    if (!absl::StartsWith(info->method(), "/casework.")) return nullptr;
    return new UnparseableRequestInterceptor(info->method());
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeUnparseableRequestInterceptorFactory() {
  return std::make_unique<UnparseableRequestInterceptorFactory>();
}

}  // namespace casework
