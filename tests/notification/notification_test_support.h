// What the notification tests share: a private redis-server, the records service holding the
// team of the tests' cast (cast_records.h), the notification server in-process on a loopback gRPC
// port, an engine-driven session whose events are appended with the session log's real append
// script, and a blocking watch client that records every frame it receives.
#ifndef TESTS_NOTIFICATION_NOTIFICATION_TEST_SUPPORT_H_
#define TESTS_NOTIFICATION_NOTIFICATION_TEST_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "casework/v1/notification_service.grpc.pb.h"
#include "libs/redis/redis_test_env.h"
#include "libs/server/grpc_server.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_log/redis_event_log.h"
#include "services/notification/notification_server.h"
#include "tests/notification/cast_records.h"

namespace casework::notification::testing {

namespace v1 = ::casework::v1;
using session::testing::EngineHarness;

inline constexpr char kSession[] = "organizations/acme/teams/t1/sessions/s1";

// A token of `subject` in organisation `org` whose `teams` claim names t1 (the member list decides
// whether they are a member: cast_records.h).
std::string TokenFor(const std::string& subject, const std::string& org = "acme",
                     std::vector<std::string> roles = {"caseworker"},
                     std::vector<std::string> teams = {"t1"});

class NotificationTestEnv {
 public:
  // `options.redis` host/port are replaced by the private server's, `options.records` by the cast's
  // records service. `before_server` runs once Redis is up and before the notification server
  // starts (e.g. to append what it must find).
  static std::unique_ptr<NotificationTestEnv> Start(
      NotificationServerOptions options = {},
      const std::function<void(NotificationTestEnv&)>& before_server = nullptr);
  ~NotificationTestEnv();

  casework::testing::RedisServer& redis_server() { return *redis_.server; }
  redis::RedisClient& redis_client() { return *redis_.client; }
  NotificationServer& server() { return *server_; }
  CastRecords& records() { return *records_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  int port() const { return port_; }
  v1::NotificationService::Stub& stub() { return *stub_; }
  std::string Metrics();

  // Appends the harness's events that are not in Redis yet, as one command (with a request id, so
  // a retry after an outage cannot append twice). Waits through Redis outages.
  absl::Status AppendNew(const EngineHarness& harness);
  // Stores the session part of a snapshot at the appended version, as the session service does on
  // its snapshot policy (a log trimmed below it is then still readable from the snapshot).
  absl::Status StoreSnapshot(const EngineHarness& harness);
  int64_t appended() const { return appended_; }

  // Stops the gRPC server (ends streams first, as SIGTERM does).
  void StopServer();

 private:
  NotificationTestEnv() = default;

  redis::RedisTestEnv redis_;
  std::unique_ptr<CastRecords> records_;
  std::unique_ptr<session::RedisEventLog> writer_;
  std::unique_ptr<MetricsEndpoint> metrics_;
  std::unique_ptr<NotificationServer> server_;
  std::unique_ptr<GrpcServer> grpc_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::NotificationService::Stub> stub_;
  int64_t appended_ = 0;
  int port_ = 0;
};

// One frame as a client received it.
template <typename Response>
struct Received {
  Response frame;
  absl::Time received;
};
using ReceivedFrame = Received<v1::WatchSessionResponse>;

// A server-streaming call read on its own thread until the stream ends (or Cancel()).
template <typename Response>
class StreamClient {
 public:
  using Starter =
      std::function<std::unique_ptr<grpc::ClientReader<Response>>(grpc::ClientContext*)>;

  // `stop_after`: cancel the call after this many frames (0: read to the end). `read` false: the
  // client does not read until StartReading() (a stalled client).
  StreamClient(const std::string& token, Starter start, int stop_after = 0, bool read = true)
      : stop_after_(stop_after), reading_(read) {
    context_.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    context_.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(120)));
    thread_ = std::thread([this, start = std::move(start)] { Run(start); });
  }
  ~StreamClient() {
    context_.TryCancel();
    StartReading();
    thread_.join();
  }

  // Blocks until the stream ended; returns its status.
  grpc::Status Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&ended_));
    return status_;
  }
  void Cancel() { context_.TryCancel(); }
  void StartReading() {
    absl::MutexLock lock(&mu_);
    reading_ = true;
  }
  std::vector<Received<Response>> frames() const {
    absl::MutexLock lock(&mu_);
    return frames_;
  }
  size_t frame_count() const {
    absl::MutexLock lock(&mu_);
    return frames_.size();
  }
  // Blocks until at least `count` frames arrived or the stream ended.
  void WaitForFrames(size_t count) const {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]() { return ended_ || frames_.size() >= count; };
    mu_.Await(absl::Condition(&enough));
  }
  // The same, for at most `timeout`: whether `count` frames arrived.
  bool WaitForFramesWithin(size_t count, absl::Duration timeout) const {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]() { return ended_ || frames_.size() >= count; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
    return frames_.size() >= count;
  }
  // The stream's status once it ended, waiting at most `timeout`; nullopt while it is open.
  std::optional<grpc::Status> WaitWithin(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(&ended_), timeout)) return std::nullopt;
    return status_;
  }

 private:
  void Run(const Starter& start) {
    std::unique_ptr<grpc::ClientReader<Response>> reader = start(&context_);
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(&reading_));
    }
    Response frame;
    int count = 0;
    while (reader->Read(&frame)) {
      absl::MutexLock lock(&mu_);
      frames_.push_back(Received<Response>{frame, absl::Now()});
      if (stop_after_ > 0 && ++count == stop_after_) context_.TryCancel();
    }
    grpc::Status status = reader->Finish();
    absl::MutexLock lock(&mu_);
    status_ = status;
    ended_ = true;
  }

  grpc::ClientContext context_;
  const int stop_after_;
  mutable absl::Mutex mu_;
  std::vector<Received<Response>> frames_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// WatchSession(session, after_sequence).
class WatchClient : public StreamClient<v1::WatchSessionResponse> {
 public:
  WatchClient(v1::NotificationService::Stub& stub, const std::string& token,
              const std::string& session, int64_t after_sequence, int stop_after = 0,
              bool read = true);
};

// WatchOrganization(parent, kinds, after_sequence).
class OrgWatchClient : public StreamClient<v1::WatchOrganizationResponse> {
 public:
  OrgWatchClient(v1::NotificationService::Stub& stub, const std::string& token,
                 const std::string& parent, int64_t after_sequence,
                 std::vector<v1::OrganizationEventKind> kinds = {});
};

// Appends a notice (a regular MeetingDue of team t1) addressed to `recipients` to acme's
// organisation log, once per `dedup_key`; answers the log's last sequence (-1 on failure).
int64_t AppendNotice(redis::RedisClient& client, const std::string& dedup_key,
                     const std::string& recipients, absl::Time at = absl::Now());

// `i` in letters (a, b, …, z, ab, bb, …): distinct contribution texts without digits, which the
// identifying-information guard could take for a phone or id number.
std::string Letters(int i);

// The sequences of a watcher's frames (a Resync counts as its sequence), in arrival order.
std::vector<int64_t> Sequences(const std::vector<ReceivedFrame>& frames);

// The value of ErrorInfo metadata `key` of a status, or "".
std::string ErrorMetadata(const grpc::Status& status, const std::string& key);

}  // namespace casework::notification::testing

#endif  // TESTS_NOTIFICATION_NOTIFICATION_TEST_SUPPORT_H_
