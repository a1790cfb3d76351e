// Issue 19, the audit under poison input, end to end on the real binaries: five GetSession calls
// of one organisation with a 1 MiB name (each refused) used to make the session service's next
// audit batch larger than the records service accepts; it was retried forever and blocked every
// later batch, so another organisation's calls were never audited. Now an entry is cut to its
// bounds before it is queued (the name keeps a prefix, marked with its length and hash): the
// other organisation's entries arrive, and so do the five, cut and marked. And a batch the records
// service refuses is split until the one entry it will not store is found; that entry becomes a
// stub saying why, and every other entry of the batch is stored as it was.
#include <cstdio>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/records_client/audit_bounds.h"
#include "libs/records_client/audit_shipper.h"
#include "libs/testing/test_tokens.h"
#include "tests/kit_test_support.h"
#include "tests/security/security_stack.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;

constexpr char kGetSession[] = "/casework.v1.SessionService/GetSession";
constexpr char kAuditorName[] = "poison-auditor";

// casework_audit_entries_dropped_total{reason} as the shipper's registry holds it.
int64_t DroppedCount(prometheus::Registry& registry, const std::string& reason) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != "casework_audit_entries_dropped_total") continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        if (label.name == "reason" && label.value == reason) {
          return static_cast<int64_t>(metric.counter.value);
        }
      }
    }
  }
  return -1;
}

// `org`'s audited GetSession calls.
std::vector<v1::AuditEntry> GetSessionEntries(SecurityStack& stack, const std::string& org) {
  std::vector<v1::AuditEntry> found;
  for (v1::AuditEntry& entry : AuditLogOf(stack.records_stub(), org, kAuditorName)) {
    if (entry.method() == kGetSession) found.push_back(std::move(entry));
  }
  return found;
}

TEST(SecurityAuditPoison, HugeNamesOfOneOrganisationDoNotWedgeTheAuditOfAnother) {
  const absl::Time began = absl::Now();
  auto stack = SecurityStack::Start();
  ASSERT_NE(stack, nullptr);

  constexpr int kPoison = 5;
  constexpr int kOthers = 20;
  const std::string huge = "organizations/p1/teams/t1/sessions/" + std::string(1 << 20, 'x');
  for (int i = 0; i < kPoison; ++i) {
    v1::GetSessionRequest request;
    request.set_name(absl::StrCat(huge, i));
    v1::Session response;
    auto context = ContextWithToken(PersonToken(kCaseworker, "p1"));
    const grpc::Status status = stack->session_stub().GetSession(context.get(), request, &response);
    EXPECT_FALSE(status.ok());
    // The error carries at most a short prefix of the input.
    EXPECT_LT(status.error_message().size() + status.error_details().size(), 8192u)
        << status.error_message().substr(0, 200);
  }
  for (int i = 0; i < kOthers; ++i) {
    v1::GetSessionRequest request;
    request.set_name(absl::StrCat("organizations/p2/teams/t1/sessions/s", i));
    v1::Session response;
    auto context = ContextWithToken(PersonToken(kCaseworker, "p2"));
    EXPECT_FALSE(stack->session_stub().GetSession(context.get(), request, &response).ok());
  }

  // Polled with a deadline: the shipper sends every 200 ms.
  std::vector<v1::AuditEntry> others, poison;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    others = GetSessionEntries(*stack, "p2");
    poison = GetSessionEntries(*stack, "p1");
    if (others.size() >= kOthers && poison.size() >= kPoison) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(others.size(), static_cast<size_t>(kOthers))
      << "the other organisation's calls were not all audited";
  ASSERT_EQ(poison.size(), static_cast<size_t>(kPoison));
  for (const v1::AuditEntry& entry : poison) {
    EXPECT_LE(entry.resource().size(), kAuditResourceMax);
    EXPECT_TRUE(absl::StartsWith(entry.resource(), "organizations/p1/teams/t1/sessions/xxx"))
        << entry.resource().substr(0, 80);
    EXPECT_TRUE(absl::StrContains(entry.resource(), absl::StrCat("~cut:", huge.size() + 1, ":")))
        << entry.resource().substr(entry.resource().size() - 60);
    EXPECT_NE(entry.outcome(), google::rpc::OK);
  }
  // The five names differ only past the prefix: their hashes tell them apart.
  std::set<std::string> distinct;
  for (const v1::AuditEntry& entry : poison) distinct.insert(entry.resource());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kPoison));
  std::printf(
      "FIGURE T2: %d calls with a 1 MiB name and %d calls of another organisation -> %zu "
      "and %zu audit entries stored (poisoned names cut to <= %zu bytes, marked and hashed) in "
      "%.1f s\n",
      kPoison, kOthers, poison.size(), others.size(), kAuditResourceMax,
      absl::ToDoubleSeconds(absl::Now() - began));
}

TEST(SecurityAuditPoison, ARefusedEntryBecomesAStubAndTheRestOfItsBatchIsStored) {
  auto stack = SecurityStack::Start();
  ASSERT_NE(stack, nullptr);
  auto client = RecordsClient::Create(ServiceRecordsClientOptions(
      stack->records().grpc_port, (stack->dir() / "hs256.key").string()));
  ASSERT_TRUE(client.ok()) << client.status();
  prometheus::Registry registry;
  AuditShipperOptions options;
  options.flush_interval = absl::Milliseconds(50);
  options.batch_size = 16;
  AuditShipper shipper(**client, registry, options);

  constexpr int kEntries = 16;
  constexpr int kBad = 11;
  for (int i = 0; i < kEntries; ++i) {
    v1::AuditEntry entry;
    entry.set_actor(i == kBad ? "" : absl::StrCat("u-", i));  // records requires an actor
    entry.set_organization("p3");
    entry.set_method(i == kBad ? "/casework.v1.SessionService/Get\x01Session" : kGetSession);
    entry.set_resource(absl::StrCat("organizations/p3/teams/t1/sessions/s", i));
    entry.set_outcome(google::rpc::NOT_FOUND);
    entry.set_request_id(absl::StrCat("poison-", i));
    entry.mutable_finish_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    shipper.Record(std::move(entry));
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (shipper.delivered() < kEntries && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(shipper.delivered(), kEntries);
  EXPECT_EQ(shipper.stubbed(), 1);

  std::set<std::string> stored;
  int stubs = 0;
  for (const v1::AuditEntry& entry : AuditLogOf(stack->records_stub(), "p3", kAuditorName)) {
    if (entry.method() == kGetSession) {
      EXPECT_TRUE(stored.insert(entry.request_id()).second) << "stored twice";
      EXPECT_EQ(entry.resource(),
                absl::StrCat("organizations/p3/teams/t1/sessions/s", entry.request_id().substr(7)));
    } else if (entry.method() == "audit-entry-refused") {
      ++stubs;
      EXPECT_EQ(entry.actor(), "unknown");
      EXPECT_TRUE(absl::StartsWith(entry.reason(), "audit stub: ")) << entry.reason();
      EXPECT_TRUE(absl::StrContains(entry.reason(), "actor")) << entry.reason();
      EXPECT_EQ(entry.outcome(), google::rpc::NOT_FOUND);
    }
  }
  EXPECT_EQ(stored.size(), static_cast<size_t>(kEntries - 1));
  EXPECT_EQ(stored.count(absl::StrCat("poison-", kBad)), 0u);
  EXPECT_EQ(stubs, 1);
  shipper.Shutdown(absl::Now() + absl::Seconds(5));
  // The replaced entry counts once, as replaced by its stub.
  EXPECT_EQ(DroppedCount(registry, "replaced_by_stub"), 1);
  EXPECT_EQ(DroppedCount(registry, "refused"), 0);
}

// A refusal that is not about the entries (records will not take audit entries from this caller at
// all) is not split down to every entry: the batch is dropped whole, after one attempt, and each
// of its entries counts once as refused.
TEST(SecurityAuditPoison, ABatchRefusedForItsCallerIsDroppedWholeAndCountedOnce) {
  auto stack = SecurityStack::Start();
  ASSERT_NE(stack, nullptr);
  auto client = RecordsClient::Create(ServiceRecordsClientOptions(
      stack->records().grpc_port, (stack->dir() / "hs256.key").string(), "caseworker"));
  ASSERT_TRUE(client.ok()) << client.status();
  prometheus::Registry registry;
  AuditShipperOptions options;
  options.flush_interval = absl::Milliseconds(50);
  options.batch_size = 8;
  AuditShipper shipper(**client, registry, options);
  constexpr int kEntries = 8;
  for (int i = 0; i < kEntries; ++i) {
    v1::AuditEntry entry;
    entry.set_actor(absl::StrCat("u-", i));
    entry.set_organization("p4");
    entry.set_method(kGetSession);
    entry.set_resource(absl::StrCat("organizations/p4/teams/t1/sessions/s", i));
    entry.set_outcome(google::rpc::NOT_FOUND);
    entry.mutable_finish_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    shipper.Record(std::move(entry));
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (DroppedCount(registry, "refused") < kEntries && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(DroppedCount(registry, "refused"), kEntries);
  EXPECT_EQ(shipper.failed_attempts(), 1) << "the refused batch was split or retried";
  EXPECT_EQ(shipper.delivered(), 0);
  EXPECT_EQ(shipper.stubbed(), 0);
  EXPECT_EQ(DroppedCount(registry, "replaced_by_stub"), 0);
  // None of the batch's entries was stored (records audits the refused call itself).
  for (const v1::AuditEntry& entry : AuditLogOf(stack->records_stub(), "p4", kAuditorName)) {
    EXPECT_NE(entry.method(), kGetSession) << entry.resource();
  }
  shipper.Shutdown(absl::Now() + absl::Seconds(5));
}

}  // namespace
}  // namespace casework::testing
