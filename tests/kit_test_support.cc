// Implementation of the integration tests' shared pieces.
#include "tests/kit_test_support.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "health/v1/health.grpc.pb.h"
#include "libs/server/authenticating_credentials.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"

namespace casework::testing {

std::shared_ptr<grpc::Channel> LoopbackChannel(int port) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
}

std::unique_ptr<grpc::ClientContext> ContextWithToken(const std::string& token,
                                                      absl::Duration timeout) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return context;
}

std::string HealthStatus(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  auto context = ContextWithToken("", absl::Seconds(5));
  grpc::Status status = stub->Check(context.get(), request, &response);
  if (!status.ok())
    return absl::StrCat("error ", status.error_code(), ": ", status.error_message());
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

bool WaitUntilServing(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                      absl::Duration timeout, bool want) {
  const auto wanted = want ? grpc::health::v1::HealthCheckResponse::SERVING
                           : grpc::health::v1::HealthCheckResponse::NOT_SERVING;
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  auto context = ContextWithToken("", timeout);
  context->set_wait_for_ready(true);
  auto reader = stub->Watch(context.get(), request);
  grpc::health::v1::HealthCheckResponse response;
  while (reader->Read(&response)) {
    if (response.status() == wanted) {
      context->TryCancel();
      reader->Finish();
      return true;
    }
  }
  reader->Finish();
  return false;
}

namespace {

// One request, one response on the reflection bidi stream, with messages built from the
// descriptors libgrpc++_reflection registers (its generated headers are not installed).
class ReflectionExchange final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  ReflectionExchange(grpc::GenericStub& stub, grpc::ClientContext* context,
                     const google::protobuf::Message& request) {
    bool own = false;
    grpc::GenericSerialize<grpc::ProtoBufferWriter, google::protobuf::Message>(request, &request_,
                                                                               &own);
    stub.PrepareBidiStreamingCall(context,
                                  "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                  grpc::StubOptions(), this);
    StartWrite(&request_);
    StartRead(&response_);
    StartCall();
  }
  void OnWriteDone(bool /*ok*/) override { StartWritesDone(); }
  void OnReadDone(bool ok) override { got_response_ = ok; }
  void OnDone(const grpc::Status& status) override {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    done_ = true;
    cv_.notify_all();
  }
  // The response, parsed into `out`; false on error.
  bool Await(google::protobuf::Message* out) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
    if (!status_.ok() || !got_response_) return false;
    return grpc::GenericDeserialize<grpc::ProtoBufferReader, google::protobuf::Message>(&response_,
                                                                                        out)
        .ok();
  }

 private:
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  bool got_response_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  grpc::Status status_;
};

std::unique_ptr<google::protobuf::Message> Reflect(const std::shared_ptr<grpc::Channel>& channel,
                                                   const std::string& token,
                                                   const std::string& request_text) {
  // Referencing the plugin keeps libgrpc++_reflection linked (Debian links --as-needed), and
  // loading it registers the reflection messages' descriptors used below.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  static google::protobuf::DynamicMessageFactory* factory =
      new google::protobuf::DynamicMessageFactory;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const auto* request_type =
      pool->FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionRequest");
  const auto* response_type =
      pool->FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionResponse");
  if (request_type == nullptr || response_type == nullptr) {
    ADD_FAILURE() << "reflection descriptors are not linked in (libgrpc++_reflection)";
    return nullptr;
  }
  std::unique_ptr<google::protobuf::Message> request(factory->GetPrototype(request_type)->New());
  std::unique_ptr<google::protobuf::Message> response(factory->GetPrototype(response_type)->New());
  if (!google::protobuf::TextFormat::ParseFromString(request_text, request.get())) std::abort();
  grpc::GenericStub stub(channel);
  auto context = ContextWithToken(token);
  ReflectionExchange exchange(stub, context.get(), *request);
  if (!exchange.Await(response.get())) return nullptr;
  return response;
}

}  // namespace

std::vector<std::string> ReflectedServices(const std::shared_ptr<grpc::Channel>& channel,
                                           const std::string& token) {
  std::vector<std::string> names;
  auto response = Reflect(channel, token, R"(list_services: "*")");
  if (response == nullptr) return names;
  // list_services_response { service { name: "..." } ... }
  std::string text;
  google::protobuf::TextFormat::PrintToString(*response, &text);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    size_t start = line.find("name: \"");
    if (start == std::string::npos) continue;
    start += 7;
    names.push_back(line.substr(start, line.rfind('"') - start));
  }
  return names;
}

std::string ReflectedFileOf(const std::shared_ptr<grpc::Channel>& channel, const std::string& token,
                            const std::string& symbol) {
  auto response = Reflect(channel, token, absl::StrCat("file_containing_symbol: \"", symbol, "\""));
  if (response == nullptr) return "";
  const auto* descriptor = response->GetDescriptor();
  const auto* reflection = response->GetReflection();
  const auto* file_response_field = descriptor->FindFieldByName("file_descriptor_response");
  if (!reflection->HasField(*response, file_response_field)) return "";
  const auto& file_response = reflection->GetMessage(*response, file_response_field);
  const auto* files_field = file_response.GetDescriptor()->FindFieldByName("file_descriptor_proto");
  const auto* files_reflection = file_response.GetReflection();
  if (files_reflection->FieldSize(file_response, files_field) == 0) return "";
  google::protobuf::FileDescriptorProto file;
  file.ParseFromString(files_reflection->GetRepeatedString(file_response, files_field, 0));
  return file.name();
}

double MetricValue(const std::string& exposition, const std::string& series) {
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (absl::StartsWith(line, series + " ")) {
      double value = 0;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
    }
  }
  return -1;
}

}  // namespace casework::testing
