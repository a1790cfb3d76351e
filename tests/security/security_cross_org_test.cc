// S1: the cross-organisation probe matrix on every RPC of the three services, unary and streaming,
// enumerated from the compiled service descriptors. Every kind of caller of organisation o2 sends
// a well-formed request aimed at o1's existing resources to a stack where they exist, and the same
// request to a stack where o1 does not exist at all: no probe may succeed, and the two answers
// must be identical — code, message and details (ErrorInfo) byte for byte.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/kit_test_support.h"
#include "tests/security/security_world.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;

// What o1's resources look like to their own supervisor and facilitator, to show that no probe
// changed anything.
std::string Fingerprint(SecurityStack& stack, const World& w) {
  std::string print;
  auto add = [&](const google::protobuf::MethodDescriptor* method, const std::string& token) {
    CallOutcome read = Invoke(stack.ServiceFor(method->service()->full_name()).channel, method,
                              Bearer(token), *RequestBuilders().at(MethodPath(method))(w));
    EXPECT_TRUE(read.status.ok()) << MethodPath(method) << ": " << read.status.error_message();
    print += read.first->SerializeAsString();
  };
  const auto* records = ServiceOf(v1::RecordsService::service_full_name());
  for (const char* get : {"GetTeam", "GetCase", "GetGoal", "GetBenefitIndicator", "GetMeeting",
                          "GetActionItem", "GetSessionRecord", "ListTeams", "ListCases",
                          "ListMeetings", "ListActionItems", "ListSessionRecords"}) {
    add(records->FindMethodByName(get), SupervisorToken(kOrg));
  }
  const auto* sessions = ServiceOf(v1::SessionService::service_full_name());
  add(sessions->FindMethodByName("ListSessionEvents"), PersonToken(kFacilitator));
  add(sessions->FindMethodByName("ListContributions"), PersonToken(kFacilitator));
  add(sessions->FindMethodByName("ListSessions"), PersonToken(kFacilitator));
  return print;
}

TEST(SecurityCrossOrganisation, EveryRpcAnswersAnotherOrganisationsResourcesLikeMissingOnes) {
  const absl::Time began = absl::Now();
  // `full`: o1 with one resource of each kind and a running session, and o2's team. `bare`: o2's
  // team only — the world in which everything o2 probes is missing.
  auto full = SecurityStack::Start();
  ASSERT_NE(full, nullptr);
  auto bare = SecurityStack::Start();
  ASSERT_NE(bare, nullptr);
  const World victim = SeedWorld(*full);
  ASSERT_FALSE(HasFailure()) << "seeding failed";
  SeedTeam(full->records_stub(), "o2");
  SeedTeam(bare->records_stub(), "o2");
  const std::string before = Fingerprint(*full, victim);

  // Each binary serves exactly the service whose methods are enumerated: a new service would need
  // to be added to CaseworkMethods (and so get rows here).
  for (ServiceProcess& service : full->services()) {
    std::vector<std::string> served;
    for (const std::string& name : ReflectedServices(service.channel, AdminToken(kOrg))) {
      if (!absl::StartsWith(name, "grpc.")) served.push_back(name);
    }
    EXPECT_EQ(served, std::vector<std::string>{service.service}) << service.name;
  }

  const std::vector<Caller> callers = CallersOf("o2");
  int probes = 0, succeeded = 0, differed = 0;
  std::set<std::string> services;
  std::map<std::string, std::map<std::string, int>> answers;  // rpc -> "CODE" -> count
  for (const google::protobuf::MethodDescriptor* method : CaseworkMethods()) {
    const std::string path = MethodPath(method);
    auto row = RequestBuilders().find(path);
    if (row == RequestBuilders().end()) {
      ADD_FAILURE() << path << " has no row in the probe matrix (tests/security/security_world.cc)";
      continue;
    }
    services.insert(method->service()->full_name());
    const absl::Duration timeout =
        method->server_streaming() ? absl::Seconds(3) : absl::Seconds(10);
    for (const Caller& caller : callers) {
      const auto request = row->second(victim);
      const std::string where = absl::StrCat(path, " by ", caller.name, " of o2");
      CallOutcome seen = Invoke(full->ServiceFor(method->service()->full_name()).channel, method,
                                Bearer(caller.token), *request, timeout);
      CallOutcome missing = Invoke(bare->ServiceFor(method->service()->full_name()).channel, method,
                                   Bearer(caller.token), *request, timeout);
      ++probes;
      if (seen.Succeeded()) {
        ++succeeded;
        ADD_FAILURE() << where << " succeeded";
      }
      const bool same = seen.status.error_code() == missing.status.error_code() &&
                        seen.status.error_message() == missing.status.error_message() &&
                        seen.status.error_details() == missing.status.error_details() &&
                        seen.frames == missing.frames;
      if (!same) {
        ++differed;
        ADD_FAILURE() << where << ": existing answered " << CodeName(seen.status.error_code())
                      << " \"" << seen.status.error_message() << "\", missing answered "
                      << CodeName(missing.status.error_code()) << " \""
                      << missing.status.error_message() << "\"";
      }
      ++answers[path][absl::StrCat(CodeName(seen.status.error_code()), " ", ReasonOf(seen.status))];
    }
  }
  EXPECT_EQ(Fingerprint(*full, victim), before) << "a probe changed o1's resources";

  std::printf("%-58s %s\n", "rpc", "answers to o2's probes of o1 (code reason x count)");
  for (const auto& [rpc, codes] : answers) {
    std::string line;
    for (const auto& [code, count] : codes) absl::StrAppend(&line, code, " x", count, "; ");
    std::printf("%-58s %s\n", rpc.c_str(), line.c_str());
  }
  std::printf(
      "FIGURE S1: %d probes over %zu RPCs of %zu services by %zu kinds of caller, %d succeeded, "
      "%d differed from not-found (%.1f s)\n",
      probes, answers.size(), services.size(), callers.size(), succeeded, differed,
      absl::ToDoubleSeconds(absl::Now() - began));
  EXPECT_EQ(services.size(), 3u);
  EXPECT_EQ(succeeded, 0);
  EXPECT_EQ(differed, 0);
}

}  // namespace
}  // namespace casework::testing
