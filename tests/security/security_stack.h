// The whole suite as an operator runs it, for the security tests: a private redis-server and the
// three service binaries (records on a SQLite file, session, notification) as child processes on
// loopback ports, logging at debug level to files the tests scan, each stopped by its PID. Plus a
// call of any method found in the compiled-in service descriptors, unary or server-streaming.
#ifndef TESTS_SECURITY_SECURITY_STACK_H_
#define TESTS_SECURITY_SECURITY_STACK_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "casework/v1/notification_service.grpc.pb.h"
#include "casework/v1/records_service.grpc.pb.h"
#include "casework/v1/session_service.grpc.pb.h"
#include "libs/records_client/records_client.h"
#include "libs/testing/process.h"
#include "libs/testing/redis_server.h"
#include "libs/testing/test_tokens.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {

// One service binary: its process, ports and log file.
struct ServiceProcess {
  std::string name;     // "records", "session", "notification"
  std::string service;  // full gRPC service name
  int grpc_port = 0;
  int metrics_port = 0;
  std::filesystem::path log;
  std::unique_ptr<ChildProcess> process;
  std::shared_ptr<grpc::Channel> channel;
};

class SecurityStack {
 public:
  struct Options {
    std::vector<std::string> records_flags;  // extra flags of casework-records
  };
  // Redis, then records, session and notification at once; returns when all three serve.
  static std::unique_ptr<SecurityStack> Start(Options options);
  static std::unique_ptr<SecurityStack> Start() { return Start(Options()); }
  ~SecurityStack();  // SIGTERM by PID, wait, SIGKILL whatever did not exit, then Redis

  ServiceProcess& records() { return services_[0]; }
  ServiceProcess& session() { return services_[1]; }
  ServiceProcess& notification() { return services_[2]; }
  std::vector<ServiceProcess>& services() { return services_; }
  // The process serving `service` (full gRPC service name).
  ServiceProcess& ServiceFor(const std::string& service);

  casework::v1::RecordsService::Stub& records_stub() { return *records_stub_; }
  casework::v1::SessionService::Stub& session_stub() { return *session_stub_; }
  casework::v1::NotificationService::Stub& notification_stub() { return *notification_stub_; }

  RedisServer& redis() { return *redis_; }
  const std::filesystem::path& dir() const { return dir_->path(); }
  std::string database() const { return (dir_->path() / "records.db").string(); }

  // Every key name in Redis (SCAN), the log text of each service, its /metrics page.
  std::vector<std::string> RedisKeys();
  std::string RedisDump();  // every key with its value (positive controls for canaries)
  std::string Log(const ServiceProcess& service) const;
  std::string Metrics(const ServiceProcess& service) const;

 private:
  SecurityStack() = default;
  // Starts the binary (ports already chosen); false if it cannot be started.
  bool Launch(ServiceProcess& service, const std::string& binary, std::vector<std::string> flags);

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<RedisServer> redis_;
  std::vector<ServiceProcess> services_;
  std::unique_ptr<casework::v1::RecordsService::Stub> records_stub_;
  std::unique_ptr<casework::v1::SessionService::Stub> session_stub_;
  std::unique_ptr<casework::v1::NotificationService::Stub> notification_stub_;
};

// Every entry of `org`'s audit log, paged through by `auditor` (a subject with the auditor role),
// except the entries of the auditor's own reading calls.
std::vector<casework::v1::AuditEntry> AuditLogOf(casework::v1::RecordsService::Stub& stub,
                                                 const std::string& org,
                                                 const std::string& auditor);

// A service's descriptor from the generated pool, by full name.
const google::protobuf::ServiceDescriptor* ServiceOf(const std::string& full_name);
// Every method of the three casework services, from the generated descriptor pool.
std::vector<const google::protobuf::MethodDescriptor*> CaseworkMethods();
// "/casework.v1.RecordsService/GetCase".
std::string MethodPath(const google::protobuf::MethodDescriptor* method);
// A new empty request (or response) message of the method's type.
std::unique_ptr<google::protobuf::Message> NewInput(const google::protobuf::MethodDescriptor* m);

// The outcome of one call: its status, and how many frames (or the one response) arrived. A
// server-streaming call that sends a frame is cancelled after it (status CANCELLED, frames 1).
struct CallOutcome {
  grpc::Status status;
  int frames = 0;
  std::unique_ptr<google::protobuf::Message> first;  // the response or first frame
  bool stream_open = false;  // a stream that was still open, without frames, at its deadline
  bool Succeeded() const { return status.ok() || frames > 0 || stream_open; }
};

// Calls `method` on `channel`; `authorization` is the raw header value (none when empty).
CallOutcome Invoke(const std::shared_ptr<grpc::Channel>& channel,
                   const google::protobuf::MethodDescriptor* method,
                   const std::string& authorization, const google::protobuf::Message& request,
                   absl::Duration timeout = absl::Seconds(10));
std::string Bearer(const std::string& token);

// The bytes of a file ("" when it cannot be read).
std::string ReadFile(const std::filesystem::path& path);

// The canonical name of a status code ("NOT_FOUND"), for tables.
std::string CodeName(grpc::StatusCode code);

// A records client as the session and notification services have one: to records on `port`,
// signing its tokens as `role` with the HS256 key in `key_file`.
inline RecordsClientOptions ServiceRecordsClientOptions(
    int port, const std::string& key_file, const std::string& role = "session-service") {
  RecordsClientOptions options;
  options.address = absl::StrCat("127.0.0.1:", port);
  options.hs256_key_file = key_file;
  options.role = role;
  options.issuer = kTestIssuer;
  options.audience = kTestAudience;
  return options;
}

}  // namespace casework::testing

#endif  // TESTS_SECURITY_SECURITY_STACK_H_
