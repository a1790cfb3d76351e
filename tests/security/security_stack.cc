// The three service binaries and Redis as child processes, and descriptor-driven calls.
#include "tests/security/security_stack.h"

#include <google/protobuf/dynamic_message.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/sync_stream.h>
#include <signal.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "libs/testing/test_tokens.h"
#include "tests/kit_test_support.h"

namespace casework::testing {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::unique_ptr<SecurityStack> SecurityStack::Start(Options options) {
  std::unique_ptr<SecurityStack> stack(new SecurityStack);
  stack->dir_ = std::make_unique<TempDir>();
  const std::string key = (stack->dir_->path() / "hs256.key").string();
  std::ofstream(key) << GetTestKeys().hs256.material;
  auto redis = RedisServer::Start();
  if (!redis.ok()) {
    ADD_FAILURE() << redis.status();
    return nullptr;
  }
  stack->redis_ = *std::move(redis);
  stack->services_.resize(3);
  stack->services_[0].name = "records";
  stack->services_[0].service = casework::v1::RecordsService::service_full_name();
  stack->services_[1].name = "session";
  stack->services_[1].service = casework::v1::SessionService::service_full_name();
  stack->services_[2].name = "notification";
  stack->services_[2].service = casework::v1::NotificationService::service_full_name();
  const std::string redis_address =
      absl::StrCat("--redis_address=127.0.0.1:", stack->redis_->port());
  const std::vector<std::string> auth = {absl::StrCat("--jwt_hs256_key_file=", key),
                                         absl::StrCat("--jwt_issuer=", kTestIssuer),
                                         absl::StrCat("--jwt_audience=", kTestAudience)};
  auto with_auth = [&auth](std::vector<std::string> flags) {
    flags.insert(flags.end(), auth.begin(), auth.end());
    return flags;
  };
  for (ServiceProcess& service : stack->services_) {
    service.grpc_port = FreeTcpPort();
    service.metrics_port = FreeTcpPort();
  }
  std::vector<std::string> records_flags = options.records_flags;
  records_flags.push_back(absl::StrCat("--store=sqlite:", stack->database()));
  const std::string records_address =
      absl::StrCat("--records_address=127.0.0.1:", stack->records().grpc_port);
  // All three start at once (the session and notification services wait for records by
  // themselves); then each must report SERVING.
  if (!stack->Launch(stack->records(), "casework-records", with_auth(records_flags)) ||
      !stack->Launch(
          stack->session(), "casework-session",
          with_auth({redis_address,
                     absl::StrCat("--protocols_dir=", CASEWORK_SOURCE_DIR, "/protocols"),
                     records_address, absl::StrCat("--records_hs256_key_file=", key)})) ||
      !stack->Launch(stack->notification(), "casework-notification",
                     with_auth({redis_address, records_address,
                                absl::StrCat("--records_hs256_key_file=", key)}))) {
    return nullptr;
  }
  for (ServiceProcess& service : stack->services_) {
    if (!WaitUntilServing(service.channel, service.service, absl::Seconds(30))) {
      ADD_FAILURE() << service.name << " did not become SERVING; log:\n" << ReadFile(service.log);
      return nullptr;
    }
  }
  stack->records_stub_ = casework::v1::RecordsService::NewStub(stack->records().channel);
  stack->session_stub_ = casework::v1::SessionService::NewStub(stack->session().channel);
  stack->notification_stub_ =
      casework::v1::NotificationService::NewStub(stack->notification().channel);
  return stack;
}

bool SecurityStack::Launch(ServiceProcess& service, const std::string& binary,
                           std::vector<std::string> flags) {
  service.log = dir_->path() / absl::StrCat(service.name, ".log");
  std::vector<std::string> argv = {
      absl::StrCat(BinaryDir(), "/", binary),
      absl::StrCat("--grpc_address=127.0.0.1:", service.grpc_port),
      absl::StrCat("--metrics_address=127.0.0.1:", service.metrics_port), "--log_level=debug",
      "--drain_grace=500ms"};
  for (std::string& flag : flags) argv.push_back(std::move(flag));
  auto process = ChildProcess::Start(argv, service.log.string());
  if (!process.ok()) {
    ADD_FAILURE() << binary << ": " << process.status();
    return false;
  }
  service.process = *std::move(process);
  service.channel = LoopbackChannel(service.grpc_port);
  return true;
}

SecurityStack::~SecurityStack() {
  records_stub_.reset();
  session_stub_.reset();
  notification_stub_.reset();
  // SIGTERM to all three at once, then each must exit (each drains on its own).
  for (ServiceProcess& service : services_) {
    if (service.process != nullptr) service.process->Signal(SIGTERM);
  }
  for (ServiceProcess& service : services_) {
    if (service.process == nullptr) continue;
    if (!service.process->WaitForExit(absl::Seconds(10)).has_value()) {
      ADD_FAILURE() << service.name << " did not exit within 10 s of SIGTERM";
    }
    service.process.reset();  // SIGKILL and reap if still running
  }
  redis_.reset();
}

ServiceProcess& SecurityStack::ServiceFor(const std::string& service) {
  for (ServiceProcess& candidate : services_) {
    if (candidate.service == service) return candidate;
  }
  ADD_FAILURE() << "no process serves " << service;
  return services_[0];
}

std::vector<std::string> SecurityStack::RedisKeys() {
  CommandResult scan = RunCommand(absl::StrCat("redis-cli -p ", redis_->port(), " --raw --scan"));
  EXPECT_EQ(scan.exit_code, 0) << scan.output;
  std::vector<std::string> keys;
  for (absl::string_view line : absl::StrSplit(scan.output, '\n', absl::SkipEmpty())) {
    keys.emplace_back(line);
  }
  return keys;
}

std::string SecurityStack::RedisDump() {
  // The AOF holds every write Redis acknowledged, values included.
  std::string dump;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(redis_->dir())) {
    if (entry.is_regular_file()) dump += ReadFile(entry.path());
  }
  return dump;
}

std::string SecurityStack::Log(const ServiceProcess& service) const {
  return ReadFile(service.log);
}

std::string SecurityStack::Metrics(const ServiceProcess& service) const {
  absl::StatusOr<std::string> text = HttpGet(service.metrics_port, "/metrics");
  EXPECT_TRUE(text.ok()) << service.name << ": " << text.status();
  return text.ok() ? *text : "";
}

std::vector<casework::v1::AuditEntry> AuditLogOf(casework::v1::RecordsService::Stub& stub,
                                                 const std::string& org,
                                                 const std::string& auditor) {
  std::vector<casework::v1::AuditEntry> entries;
  casework::v1::ListAuditEntriesRequest request;
  request.set_parent(absl::StrCat("organizations/", org));
  request.set_page_size(1000);
  while (true) {
    casework::v1::ListAuditEntriesResponse page;
    grpc::Status status = Call(stub, &casework::v1::RecordsService::Stub::ListAuditEntries,
                               TokenFor(auditor, org, {"auditor"}, {}), request, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    for (casework::v1::AuditEntry& entry : *page.mutable_audit_entries()) {
      if (entry.actor() != auditor) entries.push_back(std::move(entry));
    }
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  return entries;
}

const google::protobuf::ServiceDescriptor* ServiceOf(const std::string& full_name) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(full_name);
  EXPECT_NE(service, nullptr) << full_name << " is not in the generated descriptor pool";
  return service;
}

std::vector<const google::protobuf::MethodDescriptor*> CaseworkMethods() {
  // The services the binaries serve (the tests check this list against what each binary's
  // reflection reports, so a new service cannot hide from the matrices).
  const google::protobuf::ServiceDescriptor* services[] = {
      ServiceOf(casework::v1::SessionService::service_full_name()),
      ServiceOf(casework::v1::RecordsService::service_full_name()),
      ServiceOf(casework::v1::NotificationService::service_full_name())};
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  for (const google::protobuf::ServiceDescriptor* service : services) {
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) methods.push_back(service->method(i));
  }
  return methods;
}

std::string MethodPath(const google::protobuf::MethodDescriptor* method) {
  return absl::StrCat("/", method->service()->full_name(), "/", method->name());
}

std::unique_ptr<google::protobuf::Message> NewInput(const google::protobuf::MethodDescriptor* m) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(m->input_type())->New());
}

namespace {

std::unique_ptr<google::protobuf::Message> NewOutput(const google::protobuf::MethodDescriptor* m) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(m->output_type())->New());
}

}  // namespace

CallOutcome Invoke(const std::shared_ptr<grpc::Channel>& channel,
                   const google::protobuf::MethodDescriptor* method,
                   const std::string& authorization, const google::protobuf::Message& request,
                   absl::Duration timeout) {
  grpc::ClientContext context;
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  CallOutcome outcome;
  outcome.first = NewOutput(method);
  const std::string path = MethodPath(method);
  if (!method->client_streaming() && !method->server_streaming()) {
    grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
    outcome.status =
        grpc::internal::BlockingUnaryCall<google::protobuf::Message, google::protobuf::Message>(
            channel.get(), rpc, &context, request, outcome.first.get());
    return outcome;
  }
  EXPECT_FALSE(method->client_streaming()) << path << ": client streaming is not supported here";
  grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING);
  std::unique_ptr<grpc::ClientReader<google::protobuf::Message>> reader(
      grpc::internal::ClientReaderFactory<google::protobuf::Message>::Create(channel.get(), rpc,
                                                                             &context, request));
  if (reader->Read(outcome.first.get())) {
    outcome.frames = 1;
    context.TryCancel();
    google::protobuf::Message* ignored = NewOutput(method).release();
    while (reader->Read(ignored)) {
    }
    delete ignored;
  }
  outcome.status = reader->Finish();
  outcome.stream_open =
      outcome.frames == 0 && outcome.status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
  return outcome;
}

std::string Bearer(const std::string& token) { return absl::StrCat("Bearer ", token); }

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return absl::StrCat("CODE_", static_cast<int>(code));
  }
}

}  // namespace casework::testing
