// S5: one audit entry per RPC, denied ones included. Every RPC of the records service is called by
// every kind of caller of organisation o3 on o3's resources (allowed, refused, invalid) and by
// o2's callers on the same names (cross-organisation probes, audited in the caller's
// organisation); the audit log must then hold exactly one entry per call with the caller, method,
// resource, outcome and reason the caller saw. Calls to the session and notification services are
// audited the same way: their audit shippers send the entries through AppendAuditEntries, so the
// test polls (with a deadline) until they have arrived, then holds them to one entry per call
// (streams, cut off by the client, by count only: how they ended depends on who hung up first).
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/records_client/team_directory.h"
#include "tests/security/security_world.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;

// (organisation, actor, method, outcome code, reason) -> count
using Tally = std::map<std::tuple<std::string, std::string, std::string, int, std::string>, int>;

// The auditor that reads the logs; its own ListAuditEntries calls are left out of the counts.
constexpr char kCounter[] = "audit-counter";

// Every entry of `org`'s audit log not written by the counting auditor.
std::vector<v1::AuditEntry> AuditLog(SecurityStack& stack, const std::string& org) {
  return AuditLogOf(stack.records_stub(), org, kCounter);
}

Tally TallyOf(const std::vector<v1::AuditEntry>& entries) {
  Tally tally;
  for (const v1::AuditEntry& e : entries) {
    ++tally[{e.organization(), e.actor(), e.method(), static_cast<int>(e.outcome()), e.reason()}];
  }
  return tally;
}

// Subject of a token, to compare with the entry's actor.
std::string SubjectOf(const std::string& caller) {
  if (caller == "admin") return kAdmin;
  if (caller == "auditor") return kAuditor;
  if (caller == "supervisor") return kSupervisor;
  if (caller == "caseworker") return kCaseworker;
  if (caller == "other caseworker") return kOtherCaseworker;
  if (caller == "facilitator") return kFacilitator;
  if (caller == "member") return kMember;
  if (caller == "outsider") return kOutsider;
  return caller;  // the service identities' subjects are their names
}

TEST(SecurityAudit, EveryRecordsRpcDeniedOnesIncludedWritesExactlyOneAuditEntry) {
  const absl::Time began = absl::Now();
  auto stack = SecurityStack::Start();
  ASSERT_NE(stack, nullptr);
  SeedRecordsWorld(stack->records_stub(), "o3");
  const Tally seeded_o3 = TallyOf(AuditLog(*stack, "o3"));
  const Tally seeded_o2 = TallyOf(AuditLog(*stack, "o2"));
  const World world = WorldNames("o3");

  Tally expected, expected_other;
  int records_calls = 0, denied = 0, other_calls = 0;
  std::set<std::string> stream_methods;
  std::map<std::string, int> other_by_service;
  for (const google::protobuf::MethodDescriptor* method : CaseworkMethods()) {
    const std::string path = MethodPath(method);
    auto row = RequestBuilders().find(path);
    ASSERT_NE(row, RequestBuilders().end()) << path;
    const bool records = method->service() == ServiceOf(v1::RecordsService::service_full_name());
    for (const std::string org : {"o3", "o2"}) {
      for (const Caller& caller : CallersOf(org)) {
        CallOutcome outcome =
            Invoke(stack->ServiceFor(method->service()->full_name()).channel, method,
                   Bearer(caller.token), *row->second(world),
                   method->server_streaming() ? absl::Milliseconds(100) : absl::Seconds(5));
        if (!records) {
          ++other_calls;
          ++other_by_service[method->service()->name()];
          const bool stream = method->server_streaming();
          if (stream) stream_methods.insert(path);
          ++expected_other[{org, SubjectOf(caller.name), path,
                            stream ? -1 : static_cast<int>(outcome.status.error_code()),
                            stream ? "" : ReasonOf(outcome.status)}];
          continue;
        }
        ++records_calls;
        if (!outcome.status.ok()) ++denied;
        ++expected[{org, SubjectOf(caller.name), path,
                    static_cast<int>(outcome.status.error_code()), ReasonOf(outcome.status)}];
      }
    }
  }
  // Calls that fail authentication carry no organisation to audit them under.
  int unauthenticated = 0;
  for (const google::protobuf::MethodDescriptor* method : CaseworkMethods()) {
    if (method->service() != ServiceOf(v1::RecordsService::service_full_name())) continue;
    CallOutcome outcome = Invoke(stack->records().channel, method, "Bearer not-a-token",
                                 *RequestBuilders().at(MethodPath(method))(world));
    EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    ++unauthenticated;
  }

  // The session and notification services ship their entries in batches: poll until every call
  // has its entry (or the deadline passes; then the counts below say what is missing).
  std::vector<v1::AuditEntry> o3, o2;
  Tally observed, observed_other;  // entries added since seeding
  int records_entries = 0, other_entries = 0, appended = 0, shipped_batches = 0;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  do {
    o3 = AuditLog(*stack, "o3");
    o2 = AuditLog(*stack, "o2");
    observed.clear();
    observed_other.clear();
    records_entries = other_entries = appended = shipped_batches = 0;
    for (const auto& [entries, seeded] :
         {std::pair<const std::vector<v1::AuditEntry>*, const Tally*>{&o3, &seeded_o3},
          std::pair<const std::vector<v1::AuditEntry>*, const Tally*>{&o2, &seeded_o2}}) {
      Tally now;
      for (const v1::AuditEntry& e : *entries) {
        // The shippers' own AppendAuditEntries calls (request ids "audit-…"), audited by records.
        if (absl::StartsWith(e.request_id(), "audit-") &&
            e.method() == "/casework.v1.RecordsService/AppendAuditEntries") {
          ++shipped_batches;
          continue;
        }
        // The services' membership checks (libs/records_client/team_directory.h).
        if (e.request_id() == kMembershipRequestId) continue;
        const bool stream = stream_methods.count(e.method()) > 0;
        ++now[{e.organization(), e.actor(), e.method(), stream ? -1 : static_cast<int>(e.outcome()),
               stream ? "" : e.reason()}];
      }
      for (const auto& [key, count] : now) {
        auto it = seeded->find(key);
        const int added = count - (it == seeded->end() ? 0 : it->second);
        if (added == 0) continue;
        if (absl::StartsWith(std::get<2>(key), "/casework.v1.RecordsService/")) {
          observed[key] = added;
          records_entries += added;
        } else if (std::get<1>(key) == kAppendedActor) {
          appended += added;  // the payload of an allowed AppendAuditEntries call
        } else {
          observed_other[key] = added;
          other_entries += added;
        }
      }
    }
    if (other_entries >= other_calls) break;
    absl::SleepFor(absl::Milliseconds(100));
  } while (absl::Now() < give_up);
  for (const v1::AuditEntry& entry : o3) {
    EXPECT_FALSE(entry.finish_time().seconds() == 0) << entry.ShortDebugString();
    EXPECT_FALSE(entry.name().empty()) << entry.ShortDebugString();
  }
  EXPECT_EQ(records_entries, records_calls);
  // Only the two service identities of o3 may append (o2's probes are cross-organisation).
  EXPECT_EQ(appended, 2);
  for (const auto& [key, count] : expected) {
    auto it = observed.find(key);
    EXPECT_EQ(it == observed.end() ? 0 : it->second, count)
        << std::get<0>(key) << " " << std::get<1>(key) << " " << std::get<2>(key) << " code "
        << std::get<3>(key) << " " << std::get<4>(key);
  }
  EXPECT_EQ(other_entries, other_calls);
  for (const auto& [key, count] : expected_other) {
    auto it = observed_other.find(key);
    EXPECT_EQ(it == observed_other.end() ? 0 : it->second, count)
        << std::get<0>(key) << " " << std::get<1>(key) << " " << std::get<2>(key) << " code "
        << std::get<3>(key) << " " << std::get<4>(key);
  }
  for (const auto& [key, count] : observed_other) {
    EXPECT_TRUE(expected_other.count(key) > 0)
        << "unexpected entry: " << std::get<0>(key) << " " << std::get<1>(key) << " "
        << std::get<2>(key) << " code " << std::get<3>(key) << " " << std::get<4>(key);
  }
  for (const auto& [key, count] : observed) {
    EXPECT_TRUE(expected.count(key) > 0)
        << "unexpected entry: " << std::get<0>(key) << " " << std::get<1>(key) << " "
        << std::get<2>(key) << " code " << std::get<3>(key) << " " << std::get<4>(key);
  }
  std::printf(
      "FIGURE S5: records: %d RPCs (%d denied or failed, %zu RPCs x %d callers of 2 "
      "organisations) -> %d audit entries, each matching caller, method, outcome and reason; "
      "%d unauthenticated calls -> not audited (no organisation); session+notification: %d RPCs "
      "(session %d, notification %d) -> %d audit entries, each matching caller, method, outcome "
      "and "
      "reason (streams by count), in %d shipped batches (%.1f s)\n",
      records_calls, denied,
      ServiceOf(v1::RecordsService::service_full_name())->method_count() + size_t{0},
      static_cast<int>(CallersOf("o3").size() * 2), records_entries, unauthenticated, other_calls,
      other_by_service["SessionService"], other_by_service["NotificationService"], other_entries,
      shipped_batches, absl::ToDoubleSeconds(absl::Now() - began));
}

}  // namespace
}  // namespace casework::testing
