// Shared pieces of the records integration tests: the records service in-process on a loopback
// port over a real SQLite file in a temporary directory (or a database of a private PostgreSQL
// server), tokens for a fixed cast of callers, and a seeded organisation with one team.
#ifndef TESTS_RECORDS_RECORDS_TEST_SUPPORT_H_
#define TESTS_RECORDS_RECORDS_TEST_SUPPORT_H_

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "casework/v1/records_service.grpc.pb.h"
#include "libs/quota/quota_policy.h"
#include "libs/server/grpc_server.h"
#include "libs/testing/process.h"
#include "services/records/domain/clock.h"
#include "services/records/records_app.h"

namespace casework::testing {

// The cast of the seeded team `organizations/{org}/teams/t1`.
inline constexpr char kAdmin[] = "admin-1";
inline constexpr char kAuditor[] = "auditor-1";
inline constexpr char kSupervisor[] = "sup-1";
inline constexpr char kCaseworker[] = "cw-1";
inline constexpr char kOtherCaseworker[] = "cw-2";
inline constexpr char kFacilitator[] = "fac-1";
inline constexpr char kMember[] = "mem-1";
inline constexpr char kOutsider[] = "out-1";  // same organisation, not in the team

// A temporary directory removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class RecordsTestServer {
 public:
  struct Options {
    std::string database;  // default: records.db in a fresh temporary directory
    int port = 0;          // 0: any free port
    // When set, the PostgreSQL store on this URI (with `postgres_password`) instead of SQLite.
    std::string postgres_uri;
    std::string postgres_password;
    bool with_metrics_endpoint = false;
    absl::Duration metrics_refresh = absl::Hours(1);
    // The retention purge's loop; zero: none (tests run passes with app().retention().PurgeNow()
    // after moving the clock).
    absl::Duration retention_purge_interval = absl::ZeroDuration();
    int retention_purge_batch = 100;  // resources per round of a pass
    // Per-organisation quotas (tests build them with quota::QuotaPolicy::FromJson); default: the
    // built-in limits.
    quota::QuotaPolicy quotas;
  };
  static std::unique_ptr<RecordsTestServer> Start(Options options);
  static std::unique_ptr<RecordsTestServer> Start() { return Start(Options()); }
  ~RecordsTestServer();

  casework::v1::RecordsService::Stub& stub() { return *stub_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }
  records::FakeClock& clock() { return clock_; }
  RecordsApp& app() { return *app_; }
  int metrics_port() const { return metrics_->port(); }
  int port() const { return server_->port(); }
  const std::string& database() const { return database_; }

 private:
  RecordsTestServer() : clock_(absl::Now()) {}
  std::unique_ptr<TempDir> dir_;
  std::string database_;
  records::FakeClock clock_;
  std::unique_ptr<MetricsEndpoint> metrics_;
  std::unique_ptr<RecordsApp> app_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<casework::v1::RecordsService::Stub> stub_;
};

// A token of `subject` in `organization` with org-level `roles` and the JWT `teams` claim.
std::string TokenFor(const std::string& subject, const std::string& organization,
                     std::vector<std::string> roles, std::vector<std::string> teams = {"t1"});
// The cast's tokens in organisation `org` (team claim t1 for team members).
std::string AdminToken(const std::string& org = "o1");
std::string AuditorToken(const std::string& org = "o1");
std::string SupervisorToken(const std::string& org = "o1");
std::string CaseworkerToken(const std::string& org = "o1");
std::string OtherCaseworkerToken(const std::string& org = "o1");
std::string FacilitatorToken(const std::string& org = "o1");
std::string MemberToken(const std::string& org = "o1");
std::string OutsiderToken(const std::string& org = "o1");
std::string SessionServiceToken(const std::string& org = "*");
std::string NotificationServiceToken(const std::string& org = "*");

// A unary call with `token`: `(stub.*method)(context, request, response)`.
template <typename Request, typename Response>
grpc::Status Call(casework::v1::RecordsService::Stub& stub,
                  grpc::Status (casework::v1::RecordsService::Stub::*method)(grpc::ClientContext*,
                                                                             const Request&,
                                                                             Response*),
                  const std::string& token, const Request& request, Response* response);

// The ErrorInfo reason of a failed call ("" when none).
std::string Reason(const grpc::Status& status);

// Seeds organisation `org`: team t1 (supervisor, two caseworkers, a facilitator, a member) made
// by the admin. Returns the team.
casework::v1::Team SeedTeam(casework::v1::RecordsService::Stub& stub, const std::string& org);
// A case of `caseworker` in `org`'s team t1, created by the supervisor.
casework::v1::Case SeedCase(casework::v1::RecordsService::Stub& stub, const std::string& org,
                            const std::string& reference,
                            const std::string& caseworker = kCaseworker);

std::string NewRequestId();

// Sets `org`'s retention policy as its admin: closed cases and session records are kept this long
// (the session log's retention stays at its default). Returns the policy.
casework::v1::RetentionPolicy SetRetention(casework::v1::RecordsService::Stub& stub,
                                           const std::string& org, absl::Duration closed_case,
                                           absl::Duration session_record);
// Closes the case `name` as the supervisor of `org`'s team t1 (reason kCloseReason) with
// `request_id` (a fresh one when empty) and returns it.
inline constexpr char kCloseReason[] = "family moved to another region";
casework::v1::Case CloseCaseAsSupervisor(casework::v1::RecordsService::Stub& stub,
                                         const std::string& org, const std::string& name,
                                         const std::string& request_id = "");

// Organisation `org` with team t1 and one resource of each kind under fixed ids: case c1 of the
// caseworker with goal g1 and indicator b1, meeting m1, action item a1 (owner: the caseworker,
// creator: the facilitator) and session record s1 (facilitator and caseworker took part; released
// to the team's supervisor).
void SeedRecordsWorld(casework::v1::RecordsService::Stub& stub, const std::string& org);

}  // namespace casework::testing

namespace casework::testing {

// Sends CreateCase for each of `count` cases (reference "<prefix>-<i>", request id
// "<prefix>-req-<i>", server-generated ids, alternating caseworkers) with at most `in_flight`
// calls outstanding, from the callback API. `on_done(i, status, case)` runs on a gRPC thread;
// when `keep_going()` turns false no further call is started. Returns when every started call
// has finished.
void CreateCasesConcurrently(
    casework::v1::RecordsService::Stub& stub, const std::string& token, const std::string& team,
    const std::string& prefix, int count, int in_flight, const std::function<bool()>& keep_going,
    const std::function<void(int, const grpc::Status&, const casework::v1::Case&)>& on_done);
// The same, sending call `i` through `stub_for(i)` (e.g. spread over several replicas).
void CreateCasesConcurrently(
    const std::function<casework::v1::RecordsService::Stub&(int)>& stub_for,
    const std::string& token, const std::string& team, const std::string& prefix, int count,
    int in_flight, const std::function<bool()>& keep_going,
    const std::function<void(int, const grpc::Status&, const casework::v1::Case&)>& on_done);
casework::v1::CreateCaseRequest NumberedCaseRequest(const std::string& team,
                                                    const std::string& prefix, int i);

// Sends the `count` numbered CreateCase requests again with their original request ids (as
// CreateCasesConcurrently); every one must succeed, and each one in `acknowledged` (index → case
// name of its first answer) must answer the same case.
struct CreateReplay {
  int failed = 0;
  int mismatched = 0;
};
CreateReplay ReplayCreates(const std::function<casework::v1::RecordsService::Stub&(int)>& stub_for,
                           const std::string& token, const std::string& team,
                           const std::string& prefix, int count, int in_flight,
                           const std::map<int, std::string>& acknowledged);

// The casework-records binary as a child process (killed, stopped and restarted by its PID) on
// `store` (`sqlite:PATH` or a postgresql:// URI) plus `extra_flags`, with the test key set; its
// logs are `<dir>/<name>-log-<start>`.
class RecordsProcess {
 public:
  RecordsProcess(std::filesystem::path dir, std::string name, std::string store,
                 std::vector<std::string> extra_flags = {});
  // Starts on a fresh loopback port and waits until it serves; false if it does not.
  bool Start();
  ChildProcess& process() { return *process_; }
  casework::v1::RecordsService::Stub& stub() { return *stub_; }
  int port() const { return port_; }

 private:
  std::filesystem::path dir_;
  std::string name_;
  std::string store_;
  std::vector<std::string> extra_flags_;
  int port_ = 0;
  int starts_ = 0;
  std::unique_ptr<ChildProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<casework::v1::RecordsService::Stub> stub_;
};

// The cases an SQLite records database holds (opened read-only) and its integrity check.
struct CaseRows {
  int64_t cases = 0;
  int64_t distinct_references = 0;
  std::set<std::string> names;
  std::string integrity;  // "ok" when PRAGMA integrity_check passes
};
CaseRows ReadSqliteCases(const std::string& path);
// Rows of `table` in an SQLite records database.
int64_t CountSqliteRows(const std::string& path, const std::string& table);

}  // namespace casework::testing

#include "tests/records/records_test_support_inl.h"

#endif  // TESTS_RECORDS_RECORDS_TEST_SUPPORT_H_
