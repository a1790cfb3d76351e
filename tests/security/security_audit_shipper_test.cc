// S5, the shipping half: the audit shipper of the session and notification services against the
// real records binary. Entries recorded while records is down are delivered once it is up; a batch
// whose answer is lost (records stalled by SIGSTOP past the call's deadline) is retried with the
// same request_id and still stored once. Every condition is polled with a deadline.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/records_client/audit_shipper.h"
#include "libs/testing/process.h"
#include "libs/testing/test_tokens.h"
#include "tests/records/records_test_support.h"
#include "tests/security/security_stack.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;

constexpr char kShippedMethod[] = "/casework.v1.SessionService/GetSession";
constexpr char kAppendMethod[] = "/casework.v1.RecordsService/AppendAuditEntries";

// Polls `condition` every 20 ms until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

v1::AuditEntry EntryOf(const std::string& organization, int i) {
  v1::AuditEntry entry;
  entry.set_actor(absl::StrCat("u-", i % 5));
  entry.set_organization(organization);
  entry.set_method(kShippedMethod);
  entry.set_resource(absl::StrCat("organizations/", organization, "/teams/t1/sessions/s", i));
  entry.set_outcome(i % 3 == 0 ? google::rpc::NOT_FOUND : google::rpc::OK);
  if (i % 3 == 0) entry.set_reason("NOT_FOUND");
  entry.set_request_id(absl::StrCat("e-", organization, "-", i));
  entry.mutable_finish_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  return entry;
}

TEST(SecurityAuditShipper, RecordsDownThenUpAndAStalledBatchEachEntryStoredOnce) {
  const absl::Time began = absl::Now();
  TempDir dir;
  const std::string key = (dir.path() / "key").string();
  std::ofstream(key) << GetTestKeys().hs256.material;
  const int port = FreeTcpPort();

  RecordsClientOptions client_options = ServiceRecordsClientOptions(port, key);
  client_options.deadline = absl::Milliseconds(300);
  auto client = RecordsClient::Create(client_options);
  ASSERT_TRUE(client.ok()) << client.status();
  prometheus::Registry registry;
  AuditShipperOptions shipper_options;
  shipper_options.flush_interval = absl::Milliseconds(50);
  shipper_options.batch_size = 100;
  shipper_options.initial_backoff = absl::Milliseconds(50);
  shipper_options.max_backoff = absl::Milliseconds(200);
  AuditShipper shipper(**client, registry, shipper_options);

  // 1. Records is down: entries queue, every attempt fails.
  int recorded = 0;
  for (int i = 0; i < 250; ++i, ++recorded) shipper.Record(EntryOf("a1", i));
  for (int i = 0; i < 50; ++i, ++recorded) shipper.Record(EntryOf("a2", i));
  ASSERT_TRUE(Eventually([&] { return shipper.failed_attempts() >= 3; }, absl::Seconds(20)));
  EXPECT_EQ(shipper.delivered(), 0);
  const int64_t failed_while_down = shipper.failed_attempts();

  // 2. Records comes up on that port: the queue drains.
  std::vector<std::string> argv = {absl::StrCat(BinaryDir(), "/casework-records"),
                                   absl::StrCat("--grpc_address=127.0.0.1:", port),
                                   "--metrics_address=",
                                   "--log_level=debug",
                                   absl::StrCat("--store=sqlite:", (dir.path() / "r.db").string()),
                                   absl::StrCat("--jwt_hs256_key_file=", key),
                                   absl::StrCat("--jwt_issuer=", kTestIssuer),
                                   absl::StrCat("--jwt_audience=", kTestAudience)};
  auto records = ChildProcess::Start(argv, (dir.path() / "records.log").string());
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_TRUE(Eventually([&] { return shipper.delivered() == recorded; }, absl::Seconds(30)))
      << "delivered " << shipper.delivered() << " of " << recorded << "\n"
      << ReadFile(dir.path() / "records.log");

  // 3. Records stalls (SIGSTOP) with a batch in flight: its call times out and is retried with
  // the same request_id; after SIGCONT the stalled and the retried calls both reach records.
  (*records)->Signal(SIGSTOP);
  const int64_t failed_before_stall = shipper.failed_attempts();
  for (int i = 250; i < 350; ++i, ++recorded) shipper.Record(EntryOf("a1", i));
  const bool retried = Eventually(
      [&] { return shipper.failed_attempts() >= failed_before_stall + 2; }, absl::Seconds(20));
  (*records)->Signal(SIGCONT);
  ASSERT_TRUE(retried) << "while records was stopped: failed attempts " << failed_before_stall
                       << " -> " << shipper.failed_attempts() << ", delivered "
                       << shipper.delivered() << " of " << recorded << "\n"
                       << ReadFile(dir.path() / "records.log").substr(0, 4000);
  ASSERT_TRUE(Eventually([&] { return shipper.delivered() == recorded; }, absl::Seconds(30)));

  // Every recorded entry is in the log exactly once, unchanged but for its name.
  auto channel = grpc::CreateChannel(client_options.address, grpc::InsecureChannelCredentials());
  auto stub = v1::RecordsService::NewStub(channel);
  std::map<std::string, int> shipped;             // request_id of an entry -> copies stored
  std::map<std::string, int> append_request_ids;  // records' own entries of the batches' calls
  int shipped_total = 0;
  for (const std::string org : {"a1", "a2"}) {
    for (const v1::AuditEntry& entry : AuditLogOf(*stub, org, "shipper-auditor")) {
      if (entry.method() == kShippedMethod) {
        ++shipped[entry.request_id()];
        ++shipped_total;
        EXPECT_EQ(entry.organization(), org);
        EXPECT_FALSE(entry.name().empty());
      } else if (entry.method() == kAppendMethod) {
        EXPECT_EQ(entry.actor(), "session-service");
        ++append_request_ids[entry.request_id()];
      }
    }
  }
  EXPECT_EQ(shipped_total, recorded);
  EXPECT_EQ(shipped.size(), static_cast<size_t>(recorded));
  for (const auto& [request_id, copies] : shipped) EXPECT_EQ(copies, 1) << request_id;
  int batch_calls = 0;
  for (const auto& [request_id, calls] : append_request_ids) {
    batch_calls += calls;
    EXPECT_TRUE(absl::StartsWith(request_id, "audit-")) << request_id;
  }
  // Records stores a batch once per request_id (its replay writes nothing, so its own audit log
  // holds one AppendAuditEntries entry per batch); its access log shows every call that reached
  // it: the stalled batch arrived more than once, always under the same request_id.
  std::map<std::string, int> calls_by_request_id;
  for (absl::string_view line :
       absl::StrSplit(ReadFile(dir.path() / "records.log"), '\n', absl::SkipEmpty())) {
    if (!absl::StrContains(line, kAppendMethod)) continue;
    const size_t at = line.find("\"request_id\":\"");
    if (at == absl::string_view::npos) continue;
    absl::string_view id = line.substr(at + 14);
    ++calls_by_request_id[std::string(id.substr(0, id.find('"')))];
  }
  int retried_batches = 0;
  for (const auto& [request_id, calls] : calls_by_request_id) {
    if (calls > 1) ++retried_batches;
  }
  // Every batch is audited, and every call of it that reached records at most once: a stalled
  // call and its retry may both arrive (the access log below), each audited as a call.
  EXPECT_GE(batch_calls, static_cast<int>(append_request_ids.size()));
  for (const auto& [request_id, audited] : append_request_ids) {
    EXPECT_LE(audited, std::max(1, calls_by_request_id[request_id])) << request_id;
  }
  EXPECT_GE(retried_batches, 1) << ReadFile(dir.path() / "records.log");
  std::printf(
      "FIGURE S5-shipper: %d entries recorded (records down %lld failed attempts, then stalled "
      "%lld) -> %d stored, each once; %zu batches (one audited AppendAuditEntries each); %d "
      "batches reached records more than once under the same request_id (%.1f s)\n",
      recorded, static_cast<long long>(failed_while_down),
      static_cast<long long>(shipper.failed_attempts() - failed_before_stall), shipped_total,
      append_request_ids.size(), retried_batches, absl::ToDoubleSeconds(absl::Now() - began));
  shipper.Shutdown(absl::Now() + absl::Seconds(5));
}

}  // namespace
}  // namespace casework::testing
