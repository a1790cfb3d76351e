// `caseworkctl <service> <Method> [field=value ...]`: any unary RPC of the three services, found
// by name in the compiled-in schema, sent as bytes through gRPC's generic stub, the reply decoded
// with the method's own output type. Also `caseworkctl watch` / `watch-org` for the streams.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "casework/v1/notification_service.grpc.pb.h"
#include "casework/v1/records_service.grpc.pb.h"
#include "casework/v1/session_service.grpc.pb.h"
#include "tools/caseworkctl/commands.h"
#include "tools/caseworkctl/output.h"
#include "tools/caseworkctl/request_builder.h"

ABSL_FLAG(std::string, token, "", "bearer token (default $CASEWORK_TOKEN)");
ABSL_FLAG(std::string, data, "", "the request as JSON (fields may then be set as field=value)");
ABSL_FLAG(bool, json, false, "print replies and events as JSON");
ABSL_FLAG(std::string, expect_error, "",
          "succeed only if the call is refused with this ErrorInfo reason (for scripts and demos)");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(10), "deadline of a unary call");
ABSL_FLAG(std::string, get, "",
          "print only this field of the reply (dotted path, e.g. name or session.version)");
ABSL_FLAG(int64_t, after, 0, "watch: resume after this sequence");
ABSL_FLAG(int64_t, max_events, 0, "watch: stop after this many events (0: until the stream ends)");

namespace casework::ctl {
namespace {

struct ServiceEntry {
  const char* command;
  const char* full_name;
  const char* address_env;
  const char* default_address;
};

constexpr ServiceEntry kServices[] = {
    {"session", "casework.v1.SessionService", "CASEWORK_SESSION_ADDRESS", "127.0.0.1:50051"},
    {"records", "casework.v1.RecordsService", "CASEWORK_RECORDS_ADDRESS", "127.0.0.1:50052"},
    {"notification", "casework.v1.NotificationService", "CASEWORK_NOTIFICATION_ADDRESS",
     "127.0.0.1:50053"},
};

const ServiceEntry* FindEntry(const std::string& command) {
  for (const ServiceEntry& entry : kServices) {
    if (command == entry.command) return &entry;
  }
  return nullptr;
}

const google::protobuf::ServiceDescriptor* FindService(const ServiceEntry& entry) {
  // Touching one message of each file links its descriptors in.
  (void)casework::v1::CreateSessionRequest::descriptor();
  (void)casework::v1::CreateCaseRequest::descriptor();
  (void)casework::v1::WatchSessionRequest::descriptor();
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(entry.full_name);
}

std::string Token() {
  std::string token = absl::GetFlag(FLAGS_token);
  if (token.empty()) {
    const char* env = std::getenv("CASEWORK_TOKEN");
    if (env != nullptr) token = env;
  }
  return token;
}

void Authorize(grpc::ClientContext& context) {
  const std::string token = Token();
  if (!token.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

// A refusal the caller expected is success; anything else is printed and fails.
int Conclude(const grpc::Status& status) {
  const std::string expected = absl::GetFlag(FLAGS_expect_error);
  if (!expected.empty()) {
    if (!status.ok() && ReasonOf(status) == expected) {
      std::cout << "as expected, " << FormatError(status);
      return 0;
    }
    std::cerr << "caseworkctl: expected a refusal with reason " << expected << ", got "
              << (status.ok() ? "success\n" : FormatError(status));
    return 1;
  }
  if (!status.ok()) {
    std::cerr << "caseworkctl: " << FormatError(status);
    return status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ? 3 : 1;
  }
  return 0;
}

int ListMethods(const ServiceEntry& entry, const google::protobuf::ServiceDescriptor& service) {
  std::cout << "caseworkctl " << entry.command << " <Method> [field=value ...] [--data JSON]\n\n"
            << "methods of " << service.full_name() << ":\n";
  for (int i = 0; i < service.method_count(); ++i) {
    const auto* method = service.method(i);
    std::cout << "  " << method->name() << "  (" << method->input_type()->name() << " → "
              << method->output_type()->name()
              << (method->server_streaming() ? ", a stream: use caseworkctl watch" : "") << ")\n";
  }
  std::cout << "\n'caseworkctl " << entry.command << " <Method> --help' lists its fields.\n";
  return 0;
}

std::shared_ptr<grpc::Channel> Channel(const ServiceEntry& entry, const std::string& address) {
  std::string target = address;
  if (target.empty()) {
    const char* env = std::getenv(entry.address_env);
    target = env != nullptr ? env : entry.default_address;
  }
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

}  // namespace

bool IsServiceCommand(const std::string& command) { return FindEntry(command) != nullptr; }

int RunRpcCommand(const std::string& command, const std::vector<std::string>& args,
                  const std::string& address, bool help) {
  const ServiceEntry& entry = *FindEntry(command);
  const google::protobuf::ServiceDescriptor* service = FindService(entry);
  if (service == nullptr) {
    std::cerr << "caseworkctl: the schema of " << entry.full_name << " is not compiled in\n";
    return 1;
  }
  if (args.empty()) return ListMethods(entry, *service);
  const google::protobuf::MethodDescriptor* method = service->FindMethodByName(args[0]);
  if (method == nullptr) {
    std::cerr << "caseworkctl: " << entry.command << " has no method '" << args[0] << "'\n";
    ListMethods(entry, *service);
    return 2;
  }
  if (help) {
    std::cout << "caseworkctl " << entry.command << " " << method->name()
              << " [field=value ...] [--data JSON] [--json] [--expect_error REASON]\n\n"
              << "fields of " << method->input_type()->full_name() << ":\n"
              << DescribeFields(*method->input_type());
    return 0;
  }
  if (method->server_streaming() || method->client_streaming()) {
    std::cerr << "caseworkctl: " << method->name() << " is a stream; use caseworkctl watch\n";
    return 2;
  }
  // The schema is compiled in, so the generated classes serve (well-known types included).
  google::protobuf::MessageFactory& factory =
      *google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<google::protobuf::Message> request(
      factory.GetPrototype(method->input_type())->New());
  std::vector<std::string> assignments(args.begin() + 1, args.end());
  if (absl::Status built = BuildRequest(absl::GetFlag(FLAGS_data), assignments, request.get());
      !built.ok()) {
    std::cerr << "caseworkctl: " << built.message() << "\n";
    return 2;
  }
  grpc::ByteBuffer request_bytes;
  {
    std::string bytes = request->SerializeAsString();
    grpc::Slice slice(bytes);
    request_bytes = grpc::ByteBuffer(&slice, 1);
  }
  grpc::GenericStub stub(Channel(entry, address));
  grpc::ClientContext context;
  Authorize(context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_deadline)));
  grpc::ByteBuffer reply_bytes;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&context, absl::StrCat("/", service->full_name(), "/", method->name()),
                 grpc::StubOptions(), &request_bytes, &reply_bytes, [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (status.ok() && absl::GetFlag(FLAGS_expect_error).empty()) {
    std::unique_ptr<google::protobuf::Message> reply(
        factory.GetPrototype(method->output_type())->New());
    std::vector<grpc::Slice> slices;
    (void)reply_bytes.Dump(&slices);
    std::string bytes;
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
    if (!reply->ParseFromString(bytes)) {
      std::cerr << "caseworkctl: the reply is not a " << method->output_type()->full_name() << "\n";
      return 1;
    }
    const std::string get = absl::GetFlag(FLAGS_get);
    if (get.empty()) {
      std::cout << FormatMessage(*reply, absl::GetFlag(FLAGS_json));
    } else {
      absl::StatusOr<std::string> value = FieldValue(*reply, get);
      if (!value.ok()) {
        std::cerr << "caseworkctl: --get: " << value.status().message() << "\n";
        return 2;
      }
      std::cout << *value << "\n";
    }
  }
  return Conclude(status);
}

int RunWatchCommand(const std::vector<std::string>& args, const std::string& address,
                    bool organization) {
  if (args.empty()) {
    std::cerr << (organization ? "caseworkctl watch-org organizations/ORG [KIND ...]\n"
                               : "caseworkctl watch SESSION_NAME [--after N]\n");
    return 2;
  }
  auto stub = casework::v1::NotificationService::NewStub(Channel(kServices[2], address));
  grpc::ClientContext context;
  Authorize(context);
  const bool json = absl::GetFlag(FLAGS_json);
  const int64_t max_events = absl::GetFlag(FLAGS_max_events);
  int64_t seen = 0;
  grpc::Status status;
  if (organization) {
    casework::v1::WatchOrganizationRequest request;
    request.set_parent(args[0]);
    request.set_after_sequence(absl::GetFlag(FLAGS_after));
    std::vector<std::string> kinds(args.begin() + 1, args.end());
    for (const std::string& kind : kinds) {
      if (absl::Status s = BuildRequest("", {"kinds=" + kind}, &request); !s.ok()) {
        std::cerr << "caseworkctl: " << s.message() << "\n";
        return 2;
      }
    }
    auto reader = stub->WatchOrganization(&context, request);
    casework::v1::WatchOrganizationResponse frame;
    while (reader->Read(&frame)) {
      std::cout << FormatOrganizationEvent(frame.event(), json) << std::endl;
      if (max_events > 0 && ++seen >= max_events) context.TryCancel();
    }
    status = reader->Finish();
  } else {
    casework::v1::WatchSessionRequest request;
    request.set_session(args[0]);
    request.set_after_sequence(absl::GetFlag(FLAGS_after));
    auto reader = stub->WatchSession(&context, request);
    casework::v1::WatchSessionResponse frame;
    while (reader->Read(&frame)) {
      if (frame.has_resync()) {
        std::cout << "-- resync at #" << frame.resync().sequence() << " ("
                  << casework::v1::ResyncReason_Name(frame.resync().reason()) << ")" << std::endl;
      } else {
        std::cout << FormatEvent(frame.event(), json) << std::endl;
      }
      if (max_events > 0 && ++seen >= max_events) context.TryCancel();
    }
    status = reader->Finish();
  }
  if (max_events > 0 && seen >= max_events && status.error_code() == grpc::StatusCode::CANCELLED) {
    return 0;
  }
  return Conclude(status);
}

}  // namespace casework::ctl
