// The metrics/access-log interceptor and its pre-built series.
#include "libs/server/rpc_metrics.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/server/json_log.h"
#include "libs/status/errors.h"

namespace casework {
namespace {

using grpc::experimental::InterceptionHookPoints;

// A request id is logged whole up to the schema's bound for it, cut beyond.
constexpr size_t kLoggedRequestIdMax = 128;

// go-grpc-prometheus spells codes as Go's codes.Code.String() does.
constexpr std::array<const char*, 17> kCodeNames = {
    "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
    "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
    "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
    "DataLoss", "Unauthenticated"};

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
  return *buckets;
}

const char* GrpcType(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming()) return method.server_streaming() ? "bidi_stream" : "client_stream";
  return method.server_streaming() ? "server_stream" : "unary";
}

class RpcMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcMetricsInterceptor(const RpcMetrics::MethodSeries* series, std::string method,
                        bool read_request_id, grpc::experimental::ServerRpcInfo* info)
      : series_(series),
        method_(std::move(method)),
        read_request_id_(read_request_id),
        info_(info) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = absl::Now();
      if (series_ != nullptr) series_->started->Increment();
      auto* metadata = methods->GetRecvInitialMetadata();
      if (auto it = metadata->find("x-request-id"); it != metadata->end()) {
        request_id_ = ShortPrefix(absl::string_view(it->second.data(), it->second.size()),
                                  kLoggedRequestIdMax);
      }
    }
    if (read_request_id_ && request_id_.empty() &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      ReadRequestId(methods->GetRecvMessage());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finish(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void ReadRequestId(void* message) {
    if (message == nullptr) return;
    const auto* request = static_cast<const google::protobuf::Message*>(message);
    const google::protobuf::FieldDescriptor* field =
        request->GetDescriptor()->FindFieldByName("request_id");
    if (field != nullptr && !field->is_repeated() &&
        field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      // Logged before the handler checks the request's bounds: at most a prefix.
      request_id_ =
          ShortPrefix(request->GetReflection()->GetString(*request, field), kLoggedRequestIdMax);
    }
  }

  void Finish(const grpc::Status& status) {
    int code = static_cast<int>(status.error_code());
    // A handler may answer a call its client cancelled with UNKNOWN (gRPC's own health service
    // ends a cancelled Watch so); the client never sees that status: count what it saw. (Safe to
    // ask with the callback API, which every service here uses.)
    if (code == grpc::StatusCode::UNKNOWN && info_ != nullptr &&
        info_->server_context() != nullptr && info_->server_context()->IsCancelled()) {
      code = grpc::StatusCode::CANCELLED;
    }
    const absl::Duration elapsed = absl::Now() - start_;
    if (series_ != nullptr && code >= 0 && code < 17) {
      series_->handled[code]->Increment();
      series_->handling_seconds->Observe(absl::ToDoubleSeconds(elapsed));
    }
    const LogSeverity severity = status.ok() ? LogSeverity::kDebug : LogSeverity::kInfo;
    if (!LogEnabled(severity)) return;
    Log(severity, "rpc finished",
        {{"method", method_},
         {"code", std::string(code >= 0 && code < 17 ? kCodeNames[code] : "Unknown")},
         {"request_id", request_id_},
         {"duration_ms", absl::ToDoubleMilliseconds(elapsed)}});
  }

  const RpcMetrics::MethodSeries* series_;
  std::string method_;
  bool read_request_id_;
  grpc::experimental::ServerRpcInfo* info_;
  absl::Time start_ = absl::Now();
  std::string request_id_;
};

class RpcMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcMetricsInterceptorFactory(const RpcMetrics* metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    absl::string_view method = info->method();
    // Our own services' requests are protobuf messages; read their request_id for the log.
    bool ours = absl::StartsWith(method, "/casework.");
    return new RpcMetricsInterceptor(metrics_->Find(method), std::string(method), ours, info);
  }

 private:
  const RpcMetrics* metrics_;
};

}  // namespace

RpcMetrics::RpcMetrics(prometheus::Registry& registry, const std::vector<std::string>& services) {
  auto& started = prometheus::BuildCounter()
                      .Name("grpc_server_started_total")
                      .Help("Total number of RPCs started on the server.")
                      .Register(registry);
  auto& handled = prometheus::BuildCounter()
                      .Name("grpc_server_handled_total")
                      .Help(
                          "Total number of RPCs completed on the server, regardless of success "
                          "or failure.")
                      .Register(registry);
  auto& handling = prometheus::BuildHistogram()
                       .Name("grpc_server_handling_seconds")
                       .Help(
                           "Histogram of response latency (seconds) of gRPC that had been "
                           "application-level handled by the server.")
                       .Register(registry);
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& name : services) {
    const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *service->method(i);
      std::map<std::string, std::string> labels = {{"grpc_type", GrpcType(method)},
                                                   {"grpc_service", service->full_name()},
                                                   {"grpc_method", method.name()}};
      MethodSeries series;
      series.started = &started.Add(labels);
      for (size_t code = 0; code < kCodeNames.size(); ++code) {
        auto with_code = labels;
        with_code["grpc_code"] = kCodeNames[code];
        series.handled[code] = &handled.Add(with_code);
      }
      series.handling_seconds = &handling.Add(labels, LatencyBuckets());
      by_path_.emplace(absl::StrCat("/", service->full_name(), "/", method.name()), series);
    }
  }
}

const RpcMetrics::MethodSeries* RpcMetrics::Find(absl::string_view path) const {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : &it->second;
}

void RpcMetrics::RecordRejected(absl::string_view path) const {
  const MethodSeries* series = Find(path);
  if (series == nullptr) return;
  series->started->Increment();
  series->handled[static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)]->Increment();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RpcMetrics::InterceptorFactory() const {
  return std::make_unique<RpcMetricsInterceptorFactory>(this);
}

}  // namespace casework
