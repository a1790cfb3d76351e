// Shared pieces of the session service's integration tests: a private redis-server, the records
// service in-process with a seeded team, one or more session-service replicas (in-process, or the
// real binary as a child process for kill -9), and a driver that runs one session over gRPC with
// each person's own token.
#ifndef TESTS_SESSION_SESSION_TEST_SUPPORT_H_
#define TESTS_SESSION_SESSION_TEST_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "casework/v1/session_service.grpc.pb.h"
#include "libs/redis/redis_test_env.h"
#include "libs/server/grpc_server.h"
#include "libs/testing/process.h"
#include "services/session/session_server.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {

// Organisation and team of the seeded cast (see SeedTeam): sup-1 (supervisor), cw-1 and cw-2
// (caseworkers), fac-1 (facilitator), mem-1 (member).
inline constexpr char kOrg[] = "o1";
inline constexpr char kTeamName[] = "organizations/o1/teams/t1";

// A session-service token for `subject` of the seeded cast (team claim t1).
std::string PersonToken(const std::string& subject, const std::string& org = kOrg);

// One in-process session-service replica on a loopback port.
class SessionReplica {
 public:
  static std::unique_ptr<SessionReplica> Start(session::SessionServerOptions options);
  ~SessionReplica();
  casework::v1::SessionService::Stub& stub() { return *stub_; }
  prometheus::Registry& metrics() { return metrics_->registry(); }
  int metrics_port() const { return metrics_->port(); }
  int port() const { return server_->port(); }

 private:
  SessionReplica() = default;
  std::unique_ptr<MetricsEndpoint> metrics_;
  std::unique_ptr<session::SessionServer> session_server_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<casework::v1::SessionService::Stub> stub_;
};

// Redis, the records service (seeded) and session replicas wired to both.
class SessionStack {
 public:
  struct Options {
    int replicas = 1;
    session::TimerLoopOptions timer_loop;
    session::TimerLoopOptions outbox_loop{absl::Milliseconds(100), absl::Seconds(10), 50};
    TeamDirectoryOptions members;  // how long the replicas trust a team's member list
    std::string protocols_dir;     // the templates the replicas load; empty: protocols/
    // > 0: how long the replicas wait for a Redis reply (commands and pings) before giving up.
    absl::Duration redis_patience = absl::ZeroDuration();
    quota::QuotaPolicy quotas;  // the organisations' quotas (default: the built-in defaults)
  };
  static std::unique_ptr<SessionStack> Start(Options options);
  static std::unique_ptr<SessionStack> Start() { return Start(Options()); }
  ~SessionStack();

  casework::v1::SessionService::Stub& stub(int replica = 0) { return replicas_[replica]->stub(); }
  SessionReplica& replica(int i) { return *replicas_[i]; }
  // Stops every in-process replica (as a restart would), or adds one.
  void StopReplicas() { replicas_.clear(); }
  SessionReplica* AddReplica();
  redis::RedisTestEnv& redis() { return redis_; }
  RecordsTestServer& records() { return *records_; }
  // Stops the records service, or starts it again on the same port and database.
  void StopRecords();
  bool StartRecords();

  // What a session replica (in-process or the binary) is configured with.
  session::SessionServerOptions ReplicaOptions() const;
  // The casework-session binary on `port` with the same configuration (plus `extra_flags`).
  absl::StatusOr<std::unique_ptr<ChildProcess>> StartBinary(
      int port, std::vector<std::string> extra_flags = {}) const;
  const std::string& key_file() const { return key_file_; }

 private:
  SessionStack() = default;
  Options options_;
  std::unique_ptr<TempDir> dir_;
  std::string key_file_;
  std::string database_;
  int records_port_ = 0;
  redis::RedisTestEnv redis_;
  std::unique_ptr<RecordsTestServer> records_;
  std::vector<std::unique_ptr<SessionReplica>> replicas_;
};

// Runs one session over gRPC; every call carries the acting person's own token. Calls answer
// the gRPC status; the session's state is read back with Get().
class SessionDriver {
 public:
  explicit SessionDriver(casework::v1::SessionService::Stub* stub) : stub_(stub) {}
  void set_stub(casework::v1::SessionService::Stub* stub) { stub_ = stub; }

  grpc::Status Create(const std::string& by, const std::string& protocol_id,
                      casework::v1::Session requested = {});
  grpc::Status Join(const std::string& subject);
  grpc::Status Acknowledge(const std::string& subject);
  // Join and acknowledge for each, then assign facilitator and case owner (as `by`).
  grpc::Status Lobby(const std::string& by, const std::string& facilitator,
                     const std::string& case_owner, const std::vector<std::string>& members);
  grpc::Status Assign(const std::string& by, const std::string& facilitator,
                      const std::string& case_owner, const std::string& override_reason = "");
  grpc::Status Start(const std::string& by);
  grpc::Status Advance(const std::string& by, const std::string& expected_phase,
                       const std::string& override_reason = "");
  grpc::Status Add(const std::string& subject, casework::v1::ContributionKind kind,
                   const std::string& text, std::vector<std::string> references = {});
  grpc::Status CheckIn(const std::string& subject, const std::string& success,
                       const std::string& challenge);
  grpc::Status ActionItem(const std::string& by, const std::string& text, const std::string& owner,
                          casework::v1::ActionItemOwnerRole role);
  grpc::Status Respond(const std::string& by, const std::string& hypothesis,
                       casework::v1::HypothesisResponse response);
  grpc::Status GiveTurn(const std::string& by, const std::string& subject);
  grpc::Status Reveal(const std::string& by, std::vector<std::string> contributions);
  grpc::Status End(const std::string& by, const std::string& reason = "");
  grpc::Status Vote(const std::string& subject, casework::v1::ReleaseChoice choice);

  // The session in the FULL view as `subject` sees it.
  casework::v1::Session Get(const std::string& subject);
  // Every event of the session as `subject` sees them.
  std::vector<casework::v1::SessionEvent> Events(const std::string& subject);

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  // The name of the contribution the last successful Add created.
  const std::string& last_contribution() const { return last_contribution_; }
  int64_t last_sequence() const { return last_sequence_; }

 private:
  grpc::Status Finish(const grpc::Status& status,
                      const casework::v1::SessionCommandResponse& response);
  std::string NextRequestId();

  casework::v1::SessionService::Stub* stub_;
  std::string name_;
  std::string last_contribution_;
  int64_t last_sequence_ = 0;
  int request_counter_ = 0;
  int driver_id_ = 0;
};

// Asserts a gRPC call succeeded, printing its status otherwise.
#define ASSERT_GRPC_OK(call)                                                                  \
  do {                                                                                        \
    const ::grpc::Status grpc_ok_status_ = (call);                                            \
    ASSERT_TRUE(grpc_ok_status_.ok()) << #call << ": " << grpc_ok_status_.error_code() << " " \
                                      << grpc_ok_status_.error_message();                     \
  } while (false)
#define EXPECT_GRPC_OK(call)                                                                  \
  do {                                                                                        \
    const ::grpc::Status grpc_ok_status_ = (call);                                            \
    EXPECT_TRUE(grpc_ok_status_.ok()) << #call << ": " << grpc_ok_status_.error_code() << " " \
                                      << grpc_ok_status_.error_message();                     \
  } while (false)

// The ErrorInfo reason of a failed call ("" when none).
std::string ReasonOf(const grpc::Status& status);

// How often Redis has run `command` since it started (INFO commandstats; commands a script runs
// count too), or -1 when Redis cannot be asked.
int64_t RedisCalls(int port, const std::string& command);

// A Balint consultation (fac-1 facilitates, cw-1 brings the case, cw-2, mem-1 and sup-1 are the
// group) created, started and in its questions phase, where every member may ask.
void BalintInQuestions(SessionDriver& s);

}  // namespace casework::testing

#endif  // TESTS_SESSION_SESSION_TEST_SUPPORT_H_
