// The in-process records server and the seeded cast of the records integration tests.
#include "tests/records/records_test_support.h"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"
#include "libs/testing/test_tokens.h"
#include "services/records/domain/proto_time.h"
#include "services/records/domain/resource_names.h"

namespace casework::testing {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() / absl::StrCat("casework-records-test-", getpid(),
                                                                "-", counter++, "-",
                                                                absl::ToUnixNanos(absl::Now()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::unique_ptr<RecordsTestServer> RecordsTestServer::Start(Options options) {
  std::unique_ptr<RecordsTestServer> server(new RecordsTestServer);
  if (options.database.empty() && options.postgres_uri.empty()) {
    server->dir_ = std::make_unique<TempDir>();
    options.database = (server->dir_->path() / "records.db").string();
  }
  server->database_ = options.database;
  auto metrics =
      MetricsEndpoint::Start(options.with_metrics_endpoint ? "127.0.0.1:0" : std::string());
  if (!metrics.ok()) return nullptr;
  server->metrics_ = *std::move(metrics);
  RecordsOptions records;
  records.store.path = options.database;
  if (!options.postgres_uri.empty()) {
    records.postgres.emplace();
    records.postgres->connection.conninfo = options.postgres_uri;
    records.postgres->connection.password = options.postgres_password;
  }
  records.metrics_refresh = options.metrics_refresh;
  records.retention.interval = options.retention_purge_interval;
  records.retention.batch = options.retention_purge_batch;
  records.policy.quotas = options.quotas;
  auto app = RecordsApp::Create(records, server->metrics_->registry(), server->clock_);
  if (!app.ok()) {
    ADD_FAILURE() << app.status();
    return nullptr;
  }
  server->app_ = *std::move(app);
  ServerOptions server_options;
  server_options.service_name = "records";
  server_options.grpc_address = absl::StrCat("127.0.0.1:", options.port);
  server_options.auth = GetTestKeys().verifier_options;
  server_options.drain_grace = absl::Seconds(2);
  auto grpc_server = GrpcServer::Start(
      server_options, *server->metrics_,
      {{&server->app_->service(), casework::v1::RecordsService::service_full_name()}});
  if (!grpc_server.ok()) {
    ADD_FAILURE() << grpc_server.status();
    return nullptr;
  }
  server->server_ = *std::move(grpc_server);
  server->channel_ = LoopbackChannel(server->server_->port());
  server->stub_ = casework::v1::RecordsService::NewStub(server->channel_);
  return server;
}

RecordsTestServer::~RecordsTestServer() {
  stub_.reset();
  channel_.reset();
  server_.reset();  // drains calls in flight
  app_.reset();     // then the store finishes its queue
  metrics_.reset();
}

std::string TokenFor(const std::string& subject, const std::string& organization,
                     std::vector<std::string> roles, std::vector<std::string> teams) {
  return GoodToken(MakePrincipal(subject, organization, std::move(roles), std::move(teams)));
}

std::string AdminToken(const std::string& org) { return TokenFor(kAdmin, org, {"admin"}, {}); }
std::string AuditorToken(const std::string& org) {
  return TokenFor(kAuditor, org, {"auditor"}, {});
}
std::string SupervisorToken(const std::string& org) {
  return TokenFor(kSupervisor, org, {"supervisor"});
}
std::string CaseworkerToken(const std::string& org) {
  return TokenFor(kCaseworker, org, {"caseworker"});
}
std::string OtherCaseworkerToken(const std::string& org) {
  return TokenFor(kOtherCaseworker, org, {"caseworker"});
}
std::string FacilitatorToken(const std::string& org) {
  return TokenFor(kFacilitator, org, {"facilitator"});
}
std::string MemberToken(const std::string& org) { return TokenFor(kMember, org, {"member"}); }
std::string OutsiderToken(const std::string& org) {
  return TokenFor(kOutsider, org, {"caseworker"}, {"t2"});
}
std::string SessionServiceToken(const std::string& org) {
  return TokenFor("session-service", org, {"session-service"}, {});
}
std::string NotificationServiceToken(const std::string& org) {
  return TokenFor("notification-service", org, {"notification-service"}, {});
}

std::string Reason(const grpc::Status& status) { return ErrorReason(FromGrpcStatus(status)); }

std::string NewRequestId() { return records::NewId(); }

casework::v1::Team SeedTeam(casework::v1::RecordsService::Stub& stub, const std::string& org) {
  casework::v1::CreateTeamRequest request;
  request.set_parent(absl::StrCat("organizations/", org));
  request.set_team_id("t1");
  request.set_request_id(NewRequestId());
  casework::v1::Team& team = *request.mutable_team();
  team.set_display_name("Child protection north");
  auto add = [&](const char* subject, std::vector<casework::v1::TeamRole> roles) {
    casework::v1::TeamMember* member = team.add_members();
    member->set_subject(subject);
    for (auto role : roles) member->add_roles(role);
  };
  add(kSupervisor, {casework::v1::TEAM_ROLE_SUPERVISOR});
  add(kCaseworker, {casework::v1::TEAM_ROLE_CASEWORKER});
  add(kOtherCaseworker, {casework::v1::TEAM_ROLE_CASEWORKER, casework::v1::TEAM_ROLE_FACILITATOR});
  add(kFacilitator, {casework::v1::TEAM_ROLE_FACILITATOR});
  add(kMember, {casework::v1::TEAM_ROLE_MEMBER});
  casework::v1::Team created;
  grpc::Status status = Call(stub, &casework::v1::RecordsService::Stub::CreateTeam, AdminToken(org),
                             request, &created);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return created;
}

casework::v1::Case SeedCase(casework::v1::RecordsService::Stub& stub, const std::string& org,
                            const std::string& reference, const std::string& caseworker) {
  casework::v1::CreateCaseRequest request;
  request.set_parent(absl::StrCat("organizations/", org, "/teams/t1"));
  request.set_request_id(NewRequestId());
  request.mutable_case_()->set_reference(reference);
  request.mutable_case_()->set_risk_level(casework::v1::RISK_LEVEL_MEDIUM);
  request.mutable_case_()->set_caseworker(caseworker);
  casework::v1::Case created;
  grpc::Status status = Call(stub, &casework::v1::RecordsService::Stub::CreateCase,
                             SupervisorToken(org), request, &created);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return created;
}

casework::v1::RetentionPolicy SetRetention(casework::v1::RecordsService::Stub& stub,
                                           const std::string& org, absl::Duration closed_case,
                                           absl::Duration session_record) {
  using Stub = casework::v1::RecordsService::Stub;
  casework::v1::GetRetentionPolicyRequest get;
  get.set_name(absl::StrCat("organizations/", org, "/retentionPolicy"));
  casework::v1::RetentionPolicy current;
  EXPECT_TRUE(Call(stub, &Stub::GetRetentionPolicy, AdminToken(org), get, &current).ok());
  casework::v1::UpdateRetentionPolicyRequest update;
  update.set_request_id(NewRequestId());
  update.mutable_retention_policy()->set_name(get.name());
  update.mutable_retention_policy()->set_etag(current.etag());
  *update.mutable_retention_policy()->mutable_closed_case_retention() =
      records::ToProtoDuration(closed_case);
  *update.mutable_retention_policy()->mutable_session_record_retention() =
      records::ToProtoDuration(session_record);
  update.mutable_update_mask()->add_paths("closed_case_retention");
  update.mutable_update_mask()->add_paths("session_record_retention");
  casework::v1::RetentionPolicy updated;
  grpc::Status status = Call(stub, &Stub::UpdateRetentionPolicy, AdminToken(org), update, &updated);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return updated;
}

casework::v1::Case CloseCaseAsSupervisor(casework::v1::RecordsService::Stub& stub,
                                         const std::string& org, const std::string& name,
                                         const std::string& request_id) {
  using Stub = casework::v1::RecordsService::Stub;
  casework::v1::GetCaseRequest get;
  get.set_name(name);
  casework::v1::Case current;
  EXPECT_TRUE(Call(stub, &Stub::GetCase, SupervisorToken(org), get, &current).ok());
  casework::v1::CloseCaseRequest close;
  close.set_name(name);
  close.set_etag(current.etag());
  close.set_close_reason(kCloseReason);
  close.set_request_id(request_id.empty() ? NewRequestId() : request_id);
  casework::v1::Case closed;
  grpc::Status status = Call(stub, &Stub::CloseCase, SupervisorToken(org), close, &closed);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return closed;
}

void SeedRecordsWorld(casework::v1::RecordsService::Stub& stub, const std::string& org) {
  namespace v1 = ::casework::v1;
  using Stub = v1::RecordsService::Stub;
  using records::ToProtoTime;
  SeedTeam(stub, org);
  const std::string team = absl::StrCat("organizations/", org, "/teams/t1");
  auto ok = [](const grpc::Status& status) { EXPECT_TRUE(status.ok()) << status.error_message(); };
  v1::CreateCaseRequest c;
  c.set_parent(team);
  c.set_case_id("c1");
  c.set_request_id(NewRequestId());
  c.mutable_case_()->set_reference("REF-" + org);
  c.mutable_case_()->set_risk_level(v1::RISK_LEVEL_LOW);
  c.mutable_case_()->set_caseworker(kCaseworker);
  v1::Case created_case;
  ok(Call(stub, &Stub::CreateCase, SupervisorToken(org), c, &created_case));
  v1::CreateGoalRequest g;
  g.set_parent(team + "/cases/c1");
  g.set_goal_id("g1");
  g.set_request_id(NewRequestId());
  g.mutable_goal()->set_description("a goal");
  v1::Goal goal;
  ok(Call(stub, &Stub::CreateGoal, CaseworkerToken(org), g, &goal));
  v1::CreateBenefitIndicatorRequest b;
  b.set_parent(team + "/cases/c1");
  b.set_benefit_indicator_id("b1");
  b.set_request_id(NewRequestId());
  b.mutable_benefit_indicator()->set_description("an indicator");
  b.mutable_benefit_indicator()->set_unit("score");
  v1::BenefitIndicator indicator;
  ok(Call(stub, &Stub::CreateBenefitIndicator, CaseworkerToken(org), b, &indicator));
  v1::CreateMeetingRequest m;
  m.set_parent(team);
  m.set_meeting_id("m1");
  m.set_request_id(NewRequestId());
  m.mutable_meeting()->set_kind(v1::MEETING_KIND_REGULAR);
  *m.mutable_meeting()->mutable_scheduled_time() = ToProtoTime(absl::Now());
  v1::Meeting meeting;
  ok(Call(stub, &Stub::CreateMeeting, SupervisorToken(org), m, &meeting));
  v1::CreateActionItemRequest a;
  a.set_parent(team);
  a.set_action_item_id("a1");
  a.set_request_id(NewRequestId());
  a.mutable_action_item()->set_owner(kCaseworker);
  a.mutable_action_item()->set_owner_role(v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
  a.mutable_action_item()->set_text("an action");
  *a.mutable_action_item()->mutable_due_time() = ToProtoTime(absl::Now() + absl::Hours(1));
  v1::ActionItem item;
  ok(Call(stub, &Stub::CreateActionItem, FacilitatorToken(org), a, &item));
  v1::CreateSessionRecordRequest s;
  s.set_parent(team);
  s.set_session_record_id("s1");
  s.set_request_id("s1");
  s.mutable_session_record()->set_session(team + "/sessions/s1");
  s.mutable_session_record()->set_protocol_id("intervision");
  s.mutable_session_record()->set_final_state(v1::SESSION_STATE_ENDED);
  s.mutable_session_record()->set_facilitator(kFacilitator);
  s.mutable_session_record()->add_participants(kFacilitator);
  s.mutable_session_record()->add_participants(kCaseworker);
  // Released (every participant agreed), so the team's supervisor reads it too.
  s.mutable_session_record()->set_release_rule(v1::RECORD_RELEASE_BY_CONSENT);
  s.mutable_session_record()->set_release_outcome(v1::RELEASE_OUTCOME_RELEASED);
  *s.mutable_session_record()->mutable_end_time() = ToProtoTime(absl::Now());
  v1::SessionRecord record;
  ok(Call(stub, &Stub::CreateSessionRecord, SessionServiceToken(), s, &record));
}

}  // namespace casework::testing

namespace casework::testing {

casework::v1::CreateCaseRequest NumberedCaseRequest(const std::string& team,
                                                    const std::string& prefix, int i) {
  casework::v1::CreateCaseRequest request;
  request.set_parent(team);
  request.set_request_id(absl::StrCat(prefix, "-req-", i));
  request.mutable_case_()->set_reference(absl::StrCat(prefix, "-", i));
  request.mutable_case_()->set_risk_level(static_cast<casework::v1::RiskLevel>(1 + i % 3));
  request.mutable_case_()->set_caseworker(i % 2 == 0 ? kCaseworker : kOtherCaseworker);
  return request;
}

void CreateCasesConcurrently(
    casework::v1::RecordsService::Stub& stub, const std::string& token, const std::string& team,
    const std::string& prefix, int count, int in_flight, const std::function<bool()>& keep_going,
    const std::function<void(int, const grpc::Status&, const casework::v1::Case&)>& on_done) {
  CreateCasesConcurrently([&stub](int) -> casework::v1::RecordsService::Stub& { return stub; },
                          token, team, prefix, count, in_flight, keep_going, on_done);
}

void CreateCasesConcurrently(
    const std::function<casework::v1::RecordsService::Stub&(int)>& stub_for,
    const std::string& token, const std::string& team, const std::string& prefix, int count,
    int in_flight, const std::function<bool()>& keep_going,
    const std::function<void(int, const grpc::Status&, const casework::v1::Case&)>& on_done) {
  struct Pending {
    std::unique_ptr<grpc::ClientContext> context;
    casework::v1::CreateCaseRequest request;
    casework::v1::Case response;
  };
  std::mutex mu;
  std::condition_variable cv;
  int outstanding = 0;
  std::vector<std::unique_ptr<Pending>> calls(count);
  for (int i = 0; i < count && keep_going(); ++i) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return outstanding < in_flight; });
      ++outstanding;
    }
    calls[i] = std::make_unique<Pending>();
    Pending& call = *calls[i];
    call.context = ContextWithToken(token, absl::Seconds(60));
    call.request = NumberedCaseRequest(team, prefix, i);
    stub_for(i).async()->CreateCase(call.context.get(), &call.request, &call.response,
                                    [&, i](grpc::Status status) {
                                      on_done(i, status, calls[i]->response);
                                      std::lock_guard<std::mutex> lock(mu);
                                      --outstanding;
                                      cv.notify_all();
                                    });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return outstanding == 0; });
}

CreateReplay ReplayCreates(const std::function<casework::v1::RecordsService::Stub&(int)>& stub_for,
                           const std::string& token, const std::string& team,
                           const std::string& prefix, int count, int in_flight,
                           const std::map<int, std::string>& acknowledged) {
  std::atomic<int> failed{0}, mismatched{0};
  CreateCasesConcurrently(
      stub_for, token, team, prefix, count, in_flight, [] { return true; },
      [&](int i, const grpc::Status& status, const casework::v1::Case& created) {
        if (!status.ok()) {
          ++failed;
          return;
        }
        auto original = acknowledged.find(i);  // read-only here: no lock needed
        if (original != acknowledged.end() && original->second != created.name()) ++mismatched;
      });
  return CreateReplay{failed.load(), mismatched.load()};
}

RecordsProcess::RecordsProcess(std::filesystem::path dir, std::string name, std::string store,
                               std::vector<std::string> extra_flags)
    : dir_(std::move(dir)),
      name_(std::move(name)),
      store_(std::move(store)),
      extra_flags_(std::move(extra_flags)) {
  std::ofstream(dir_ / "key") << GetTestKeys().hs256.material;
}

bool RecordsProcess::Start() {
  port_ = FreeTcpPort();
  std::vector<std::string> argv = {absl::StrCat(BinaryDir(), "/casework-records"),
                                   absl::StrCat("--grpc_address=127.0.0.1:", port_),
                                   "--metrics_address=off",
                                   absl::StrCat("--jwt_hs256_key_file=", (dir_ / "key").string()),
                                   absl::StrCat("--jwt_issuer=", kTestIssuer),
                                   absl::StrCat("--jwt_audience=", kTestAudience),
                                   absl::StrCat("--store=", store_)};
  argv.insert(argv.end(), extra_flags_.begin(), extra_flags_.end());
  auto process =
      ChildProcess::Start(argv, (dir_ / absl::StrCat(name_, "-log-", ++starts_)).string());
  if (!process.ok()) return false;
  process_ = *std::move(process);
  channel_ = LoopbackChannel(port_);
  stub_ = casework::v1::RecordsService::NewStub(channel_);
  return WaitUntilServing(channel_, "", absl::Seconds(20));
}

namespace {

void QuerySqlite(sqlite3* db, const char* sql, const std::function<void(sqlite3_stmt*)>& row) {
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK) << sql;
  while (sqlite3_step(statement) == SQLITE_ROW) row(statement);
  sqlite3_finalize(statement);
}

}  // namespace

CaseRows ReadSqliteCases(const std::string& path) {
  CaseRows rows;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  QuerySqlite(db, "SELECT COUNT(*), COUNT(DISTINCT reference) FROM cases", [&](sqlite3_stmt* s) {
    rows.cases = sqlite3_column_int64(s, 0);
    rows.distinct_references = sqlite3_column_int64(s, 1);
  });
  QuerySqlite(db, "SELECT name FROM cases", [&](sqlite3_stmt* s) {
    rows.names.insert(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  });
  QuerySqlite(db, "PRAGMA integrity_check", [&](sqlite3_stmt* s) {
    rows.integrity += reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  });
  sqlite3_close(db);
  return rows;
}

int64_t CountSqliteRows(const std::string& path, const std::string& table) {
  int64_t count = -1;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  QuerySqlite(db, absl::StrCat("SELECT COUNT(*) FROM ", table).c_str(),
              [&](sqlite3_stmt* s) { count = sqlite3_column_int64(s, 0); });
  sqlite3_close(db);
  return count;
}

}  // namespace casework::testing
