// S3: the negative token matrix against every RPC of every service: expired, not yet valid, wrong
// key or signature, wrong algorithm (none, confusion), missing claims, wrong issuer or audience,
// malformed, empty, another scheme, garbage. Every call must end UNAUTHENTICATED, never echo the
// token, and change nothing — the requests are well-formed and aimed at resources the token's
// subject could otherwise change.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/test_tokens.h"
#include "tests/security/security_world.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;

// An HS256 token over arbitrary claims, signed with the servers' own test key: only the claims
// are wrong.
std::string SignedWithTestKey(const std::string& claims_json) {
  const std::string header = R"({"alg":"HS256","typ":"JWT","kid":"dev"})";
  const std::string signing_input =
      absl::StrCat(absl::WebSafeBase64Escape(header), ".", absl::WebSafeBase64Escape(claims_json));
  const std::string& key = GetTestKeys().hs256.material;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &length);
  return absl::StrCat(
      signing_input, ".",
      absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(mac), length)));
}

std::string Claims(const std::string& extra) {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  return absl::StrCat(R"({"iss":")", kTestIssuer, R"(","aud":")", kTestAudience, R"(","iat":)", now,
                      R"(,"exp":)", now + 3600, extra, "}");
}

// Every bad credential as the raw `authorization` header value ("" = no header).
std::vector<std::pair<std::string, std::string>> BadAuthorizations() {
  const v1::Principal supervisor = MakePrincipal(kSupervisor, kOrg, {"supervisor"}, {"t1"});
  std::vector<std::pair<std::string, std::string>> bad;
  for (const auto& [name, token] : BadTokens(supervisor)) bad.emplace_back(name, Bearer(token));
  const std::string good = GoodToken(supervisor);
  // The signature verifies; the claims are what is wrong.
  const std::string who = R"(,"sub":"sup-1","org":"o1","roles":["supervisor"],"teams":["t1"])";
  bad.emplace_back("missing_sub",
                   Bearer(SignedWithTestKey(Claims(R"(,"org":"o1","roles":["supervisor"])"))));
  bad.emplace_back("missing_org_signed",
                   Bearer(SignedWithTestKey(Claims(R"(,"sub":"sup-1","roles":["supervisor"])"))));
  bad.emplace_back("empty_sub_and_org",
                   Bearer(SignedWithTestKey(Claims(R"(,"sub":"","org":"","roles":[])"))));
  bad.emplace_back("sub_not_a_string",
                   Bearer(SignedWithTestKey(Claims(R"(,"sub":7,"org":"o1","roles":[])"))));
  bad.emplace_back(
      "roles_not_a_list",
      Bearer(SignedWithTestKey(Claims(R"(,"sub":"sup-1","org":"o1","roles":"admin")"))));
  {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    bad.emplace_back(
        "missing_exp",
        Bearer(SignedWithTestKey(absl::StrCat(R"({"iss":")", kTestIssuer, R"(","aud":")",
                                              kTestAudience, R"(","iat":)", now, who, "}"))));
    bad.emplace_back(
        "exp_not_a_number",
        Bearer(SignedWithTestKey(absl::StrCat(R"({"iss":")", kTestIssuer, R"(","aud":")",
                                              kTestAudience, R"(","exp":"tomorrow")", who, "}"))));
  }
  bad.emplace_back(
      "missing_issuer",
      Bearer(SignedWithTestKey(absl::StrCat(R"({"aud":")", kTestAudience, R"(","exp":)",
                                            absl::ToUnixSeconds(absl::Now()) + 3600, who, "}"))));
  bad.emplace_back(
      "missing_audience",
      Bearer(SignedWithTestKey(absl::StrCat(R"({"iss":")", kTestIssuer, R"(","exp":)",
                                            absl::ToUnixSeconds(absl::Now()) + 3600, who, "}"))));
  bad.emplace_back("claims_not_json", Bearer(SignedWithTestKey("not json")));
  bad.emplace_back("no_header", "");
  bad.emplace_back("bearer_without_token", "Bearer ");
  bad.emplace_back("basic_scheme", absl::StrCat("Basic ", good));
  bad.emplace_back("token_without_scheme", good);
  bad.emplace_back("bearer_twice", absl::StrCat("Bearer Bearer ", good));
  bad.emplace_back("two_tokens", absl::StrCat("Bearer ", good, " ", good));
  bad.emplace_back("extra_segment", absl::StrCat("Bearer ", good, ".e30"));
  bad.emplace_back("garbage_header", "%%% garbage ;;; ===");
  bad.emplace_back("long_garbage", absl::StrCat("Bearer ", std::string(4000, 'A')));
  return bad;
}

// What the supervisor and the facilitator see of o1.
std::string Fingerprint(SecurityStack& stack, const World& w) {
  std::string print;
  for (const char* get : {"GetTeam", "GetCase", "GetGoal", "GetBenefitIndicator", "GetMeeting",
                          "GetActionItem", "GetSessionRecord", "ListTeams", "ListCases",
                          "ListMeetings", "ListActionItems", "ListSessionRecords"}) {
    const auto* method = ServiceOf(v1::RecordsService::service_full_name())->FindMethodByName(get);
    CallOutcome read = Invoke(stack.records().channel, method, Bearer(SupervisorToken(kOrg)),
                              *RequestBuilders().at(MethodPath(method))(w));
    EXPECT_TRUE(read.status.ok()) << get << ": " << read.status.error_message();
    print += read.first->SerializeAsString();
  }
  for (const char* list : {"ListSessionEvents", "ListContributions", "ListSessions"}) {
    const auto* method = ServiceOf(v1::SessionService::service_full_name())->FindMethodByName(list);
    CallOutcome read = Invoke(stack.session().channel, method, Bearer(PersonToken(kFacilitator)),
                              *RequestBuilders().at(MethodPath(method))(w));
    EXPECT_TRUE(read.status.ok()) << list << ": " << read.status.error_message();
    print += read.first->SerializeAsString();
  }
  return print;
}

TEST(SecurityTokens, EveryBadCredentialOnEveryRpcIsUnauthenticatedAndChangesNothing) {
  const absl::Time began = absl::Now();
  auto stack = SecurityStack::Start();
  ASSERT_NE(stack, nullptr);
  const World world = SeedWorld(*stack);
  ASSERT_FALSE(HasFailure()) << "seeding failed";
  const std::string before = Fingerprint(*stack, world);
  {
    // Control: the hand-signed tokens differ from a good one only in their claims.
    const auto* get_team =
        ServiceOf(v1::RecordsService::service_full_name())->FindMethodByName("GetTeam");
    const std::string who = R"(,"sub":"sup-1","org":"o1","roles":["supervisor"],"teams":["t1"])";
    CallOutcome control =
        Invoke(stack->records().channel, get_team, Bearer(SignedWithTestKey(Claims(who))),
               *RequestBuilders().at(MethodPath(get_team))(world));
    ASSERT_TRUE(control.status.ok()) << control.status.error_message();
  }

  const auto bad = BadAuthorizations();
  int calls = 0, unauthenticated = 0;
  std::map<std::string, int> not_refused;  // credential -> calls that were not UNAUTHENTICATED
  std::set<std::string> rpcs;
  for (const google::protobuf::MethodDescriptor* method : CaseworkMethods()) {
    const std::string path = MethodPath(method);
    auto row = RequestBuilders().find(path);
    ASSERT_NE(row, RequestBuilders().end()) << path << " has no request in security_world.cc";
    rpcs.insert(path);
    for (const auto& [name, authorization] : bad) {
      CallOutcome outcome = Invoke(stack->ServiceFor(method->service()->full_name()).channel,
                                   method, authorization, *row->second(world), absl::Seconds(5));
      ++calls;
      if (outcome.status.error_code() == grpc::StatusCode::UNAUTHENTICATED && outcome.frames == 0) {
        ++unauthenticated;
      } else {
        ++not_refused[name];
        ADD_FAILURE() << path << " with " << name << ": " << CodeName(outcome.status.error_code())
                      << " " << outcome.status.error_message();
      }
      const size_t space = authorization.find(' ');
      const std::string token =
          space == std::string::npos ? authorization : authorization.substr(space + 1);
      if (token.size() > 8) {
        EXPECT_EQ(outcome.status.error_message().find(token), std::string::npos)
            << path << " with " << name << " echoes the token";
      }
    }
  }
  EXPECT_EQ(Fingerprint(*stack, world), before) << "a refused call changed something";
  for (const ServiceProcess& service : stack->services()) {
    const std::string log = stack->Log(service);
    for (const auto& [name, authorization] : bad) {
      const size_t space = authorization.find(' ');
      const std::string token =
          space == std::string::npos ? authorization : authorization.substr(space + 1);
      if (token.size() > 16) {
        EXPECT_EQ(log.find(token), std::string::npos) << service.name << " logged " << name;
      }
    }
  }
  std::printf("credentials tried on every RPC:");
  for (const auto& [name, authorization] : bad) std::printf(" %s", name.c_str());
  std::printf("\n");
  std::printf(
      "FIGURE S3: %d calls (%zu bad credentials x %zu RPCs of 3 services), %d UNAUTHENTICATED "
      "(%.1f%%), state unchanged: %s (%.1f s)\n",
      calls, bad.size(), rpcs.size(), unauthenticated, 100.0 * unauthenticated / calls,
      Fingerprint(*stack, world) == before ? "yes" : "NO",
      absl::ToDoubleSeconds(absl::Now() - began));
  EXPECT_EQ(unauthenticated, calls);
}

}  // namespace
}  // namespace casework::testing
