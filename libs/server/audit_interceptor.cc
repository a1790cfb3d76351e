// The audit interceptor: reads the request by protobuf reflection when it arrives, the status when
// it is sent, the caller from the call's own verified token, and records one entry per call.
#include "libs/server/audit_interceptor.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/server_context.h>

#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "libs/server/authenticating_credentials.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"

namespace casework {
namespace {

using grpc::experimental::InterceptionHookPoints;

// A singular string field of `message` by name; empty when there is none.
std::string StringField(const google::protobuf::Message& message, const char* name) {
  const google::protobuf::FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(name);
  if (field == nullptr || field->is_repeated() ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return "";
  }
  return message.GetReflection()->GetString(message, field);
}

// "o1" of "organizations/o1/..."; empty for any other name.
std::string OrganizationOf(absl::string_view resource) {
  constexpr absl::string_view kPrefix = "organizations/";
  if (!absl::ConsumePrefix(&resource, kPrefix)) return "";
  return std::string(resource.substr(0, resource.find('/')));
}

class AuditInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuditInterceptor(AuditSink* sink, grpc::experimental::ServerRpcInfo* info)
      : sink_(sink), info_(info) {
    entry_.set_method(info->method());
  }

  // A call that ended without sending a status (cancelled by the client before the handler
  // finished) still gets its one entry.
  ~AuditInterceptor() override {
    if (!recorded_) Record(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!request_seen_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      ReadRequest(methods->GetRecvMessage());
      ReadCaller();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      ReadCaller();
      Record(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void ReadRequest(void* message) {
    if (message == nullptr) return;
    request_seen_ = true;
    // Our services' requests are all protobuf messages (the generated service templates).
    const auto& request = *static_cast<const google::protobuf::Message*>(message);
    std::string resource = StringField(request, "name");
    if (resource.empty()) resource = StringField(request, "parent");
    entry_.set_resource(std::move(resource));
    entry_.set_request_id(StringField(request, "request_id"));
  }

  // The caller, read while the call's metadata is certainly alive (not in the destructor).
  void ReadCaller() {
    if (caller_read_) return;
    caller_read_ = true;
    grpc::ServerContextBase* context = info_->server_context();
    if (context == nullptr) return;
    absl::StatusOr<casework::v1::Principal> caller = CallerPrincipal(*context);
    if (!caller.ok()) return;
    entry_.set_actor(caller->subject().empty() ? "anonymous" : caller->subject());
    entry_.set_organization(caller->organization());
  }

  void Record(const grpc::Status& status) {
    if (recorded_) return;
    recorded_ = true;
    // A service identity (org "*") is audited in the organisation of the resource it named, as
    // the records service does.
    if (entry_.organization() == "*") entry_.set_organization(OrganizationOf(entry_.resource()));
    // No principal or no organisation: nowhere to file the entry (see the header).
    if (entry_.organization().empty()) return;
    entry_.set_outcome(static_cast<google::rpc::Code>(status.error_code()));
    if (!status.ok()) {
      std::optional<google::rpc::ErrorInfo> info = GetErrorInfo(FromGrpcStatus(status));
      if (info.has_value()) entry_.set_reason(info->reason());
    }
    *entry_.mutable_finish_time() =
        google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
    sink_->Record(std::move(entry_));
  }

  AuditSink* sink_;
  grpc::experimental::ServerRpcInfo* info_;
  casework::v1::AuditEntry entry_;
  bool request_seen_ = false;
  bool caller_read_ = false;
  bool recorded_ = false;
};

class AuditInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  AuditInterceptorFactory(AuditSink* sink, std::vector<std::string> services) : sink_(sink) {
    for (std::string& service : services) prefixes_.insert("/" + service + "/");
  }

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    absl::string_view method = info->method();
    const size_t slash = method.rfind('/');
    if (slash == absl::string_view::npos || !prefixes_.contains(method.substr(0, slash + 1))) {
      return nullptr;  // health, reflection, unknown methods
    }
    return new AuditInterceptor(sink_, info);
  }

 private:
  AuditSink* sink_;
  absl::flat_hash_set<std::string> prefixes_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MakeAuditInterceptorFactory(
    AuditSink* sink, std::vector<std::string> services) {
  return std::make_unique<AuditInterceptorFactory>(sink, std::move(services));
}

}  // namespace casework
