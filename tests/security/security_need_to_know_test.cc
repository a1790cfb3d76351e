// S1' (same organisation): every RPC and stream of the session and notification services that
// names a session or a team, probed by callers of the session's own organisation who have no
// business in it — a token whose `teams` claim names the team but whose subject is not on the
// team's member list, and team members (the supervisor among them) who are not participants of a
// running intervision. Each probe goes to a stack where the session exists and, identically, to a
// stack where the team exists but the session does not: no probe may succeed, and the answers must
// be identical — code, message, details and frames.
#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/kit_test_support.h"
#include "tests/security/security_world.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;

struct Prober {
  Caller caller;
  bool member;  // a team member: may list, create and join, so those are not probed
};

// Methods that name a team or a session of it (organisation-level ones — protocols, the
// organisation's own event stream — answer every member of the organisation alike).
bool NamesTeamOrSession(const google::protobuf::MethodDescriptor* method) {
  static const std::set<std::string> kOrganisationLevel = {"GetProtocol", "ListProtocols",
                                                           "WatchOrganization"};
  const std::string& service = method->service()->full_name();
  return (service == v1::SessionService::service_full_name() ||
          service == v1::NotificationService::service_full_name()) &&
         kOrganisationLevel.count(method->name()) == 0;
}

bool OpenToMembers(const google::protobuf::MethodDescriptor* method) {
  return method->name() == "CreateSession" || method->name() == "ListSessions" ||
         method->name() == "JoinSession";
}

TEST(SecurityNeedToKnow, NonMembersAndNonParticipantsGetWhatAMissingSessionGets) {
  const absl::Time began = absl::Now();
  auto full = SecurityStack::Start();
  ASSERT_NE(full, nullptr);
  auto bare = SecurityStack::Start();
  ASSERT_NE(bare, nullptr);
  World world = SeedWorld(*full);
  ASSERT_FALSE(HasFailure()) << "seeding failed";
  SeedTeam(bare->records_stub(), kOrg);  // the team and its members, no session
  // Probes aim at the intervision the supervisor and mem-1 are not part of.
  world.session = world.private_session;
  world.phase = world.private_phase;

  const std::vector<Prober> probers = {
      {{"claim without membership", TokenFor(kOutsider, kOrg, {"caseworker"}, {"t1"})}, false},
      {{"supervisor, not a participant", PersonToken(kSupervisor)}, true},
      {{"member, not a participant", PersonToken(kMember)}, true},
  };
  int probes = 0, succeeded = 0, differed = 0;
  std::map<std::string, std::map<std::string, int>> answers;
  for (const google::protobuf::MethodDescriptor* method : CaseworkMethods()) {
    if (!NamesTeamOrSession(method)) continue;
    const std::string path = MethodPath(method);
    auto row = RequestBuilders().find(path);
    ASSERT_NE(row, RequestBuilders().end()) << path << " has no row in security_world.cc";
    const absl::Duration timeout =
        method->server_streaming() ? absl::Seconds(3) : absl::Seconds(10);
    for (const Prober& prober : probers) {
      if (prober.member && OpenToMembers(method)) continue;
      const auto request = row->second(world);
      const std::string where = absl::StrCat(path, " by ", prober.caller.name);
      const std::string service = method->service()->full_name();
      CallOutcome seen = Invoke(full->ServiceFor(service).channel, method,
                                Bearer(prober.caller.token), *request, timeout);
      CallOutcome missing = Invoke(bare->ServiceFor(service).channel, method,
                                   Bearer(prober.caller.token), *request, timeout);
      ++probes;
      if (seen.Succeeded()) {
        ++succeeded;
        ADD_FAILURE() << where << " succeeded";
      }
      if (seen.status.error_code() != missing.status.error_code() ||
          seen.status.error_message() != missing.status.error_message() ||
          seen.status.error_details() != missing.status.error_details() ||
          seen.frames != missing.frames) {
        ++differed;
        ADD_FAILURE() << where << ": existing answered " << CodeName(seen.status.error_code())
                      << " \"" << seen.status.error_message() << "\", missing answered "
                      << CodeName(missing.status.error_code()) << " \""
                      << missing.status.error_message() << "\"";
      }
      ++answers[path][absl::StrCat(CodeName(seen.status.error_code()), " ", ReasonOf(seen.status))];
    }
  }
  // Nothing any probe sent reached the session.
  SessionDriver reader(&full->session_stub());
  reader.set_name(world.private_session);
  for (const v1::SessionEvent& event : reader.Events(kFacilitator)) {
    EXPECT_NE(event.actor(), kSupervisor);
    EXPECT_NE(event.actor(), kMember);
    EXPECT_NE(event.actor(), kOutsider);
  }
  for (const auto& [rpc, codes] : answers) {
    std::string line;
    for (const auto& [code, count] : codes) absl::StrAppend(&line, code, " x", count, "; ");
    std::printf("%-58s %s\n", rpc.c_str(), line.c_str());
  }
  std::printf(
      "FIGURE S1': %d probes over %zu RPCs by %zu kinds of same-organisation caller, %d "
      "succeeded, %d differed from not-found (%.1f s)\n",
      probes, answers.size(), probers.size(), succeeded, differed,
      absl::ToDoubleSeconds(absl::Now() - began));
  EXPECT_GE(answers.size(), 18u);
  EXPECT_EQ(succeeded, 0);
  EXPECT_EQ(differed, 0);
}

}  // namespace
}  // namespace casework::testing
