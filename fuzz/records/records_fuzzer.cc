// libFuzzer target on the records service's request handling: every RecordsService RPC, sent with
// a fuzzed request and one of a cast of callers (each role, the service identities, another
// organisation, a broken token) to the real service in this process — gRPC handlers,
// authentication, validation, authorisation, the domain operations and the SQLite store on a
// temporary file — seeded once per process with organisations o1 and o2 (team t1) and one case.
// Input format and oracle: fuzz/common/grpc_request_fuzzing.h.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fuzz/common/grpc_request_fuzzing.h"
#include "tests/records/records_test_support.h"

namespace {

namespace v1 = ::casework::v1;
namespace ct = ::casework::testing;
using casework::fuzzing::FuzzCall;

constexpr size_t kMaxCalls = 8;
constexpr char kService[] = "casework.v1.RecordsService";

std::vector<std::string> Callers() {
  return {ct::AdminToken(),
          ct::AuditorToken(),
          ct::SupervisorToken(),
          ct::CaseworkerToken(),
          ct::OtherCaseworkerToken(),
          ct::FacilitatorToken(),
          ct::MemberToken(),
          ct::OutsiderToken(),
          ct::SessionServiceToken(),
          ct::NotificationServiceToken(),
          ct::AdminToken("o2"),
          ct::SupervisorToken("o2"),
          "not-a-token"};
}

struct Target {
  std::unique_ptr<ct::RecordsTestServer> server;
  std::vector<std::string> callers = Callers();
  std::vector<std::pair<std::string, std::string>> placeholders;
};

Target& TheTarget() {
  static Target* target = [] {
    casework::fuzzing::QuietLogs();
    auto* t = new Target;
    t->server = ct::RecordsTestServer::Start();
    if (t->server == nullptr) std::abort();
    ct::SeedTeam(t->server->stub(), "o1");
    ct::SeedTeam(t->server->stub(), "o2");
    const v1::Case seeded = ct::SeedCase(t->server->stub(), "o1", "fuzz-1");
    if (seeded.name().empty()) std::abort();
    t->placeholders = {{"{case}", seeded.name()},
                       {"{team}", "organizations/o1/teams/t1"},
                       {"{org}", "organizations/o1"}};
    return t;
  }();
  return *target;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Target& target = TheTarget();
  const google::protobuf::ServiceDescriptor& service = casework::fuzzing::FindService(kService);
  for (const FuzzCall& call : casework::fuzzing::DecodeCalls(data, size, kMaxCalls)) {
    const google::protobuf::MethodDescriptor& method =
        *service.method(call.method % service.method_count());
    std::unique_ptr<google::protobuf::Message> request =
        casework::fuzzing::ParseRequest(method, call.request);
    if (request == nullptr) continue;
    casework::fuzzing::ReplaceInStrings(*request, target.placeholders);
    const size_t caller = call.caller % target.callers.size();
    const grpc::Status status = casework::fuzzing::CallUnary(*target.server->channel(), method,
                                                             target.callers[caller], *request);
    casework::fuzzing::CheckStatus(status, method, static_cast<int>(caller), *request);
  }
  return 0;
}

// Seeds (replay_main --write-seeds): for every RPC a request naming the seeded team or case, as
// the supervisor and as the admin, plus valid creates of each kind.
std::vector<std::string> FuzzSeeds() {
  const google::protobuf::ServiceDescriptor& service = casework::fuzzing::FindService(kService);
  std::vector<std::string> seeds;
  for (int m = 0; m < service.method_count(); ++m) {
    const google::protobuf::MethodDescriptor& method = *service.method(m);
    std::unique_ptr<google::protobuf::Message> request =
        casework::fuzzing::ParseRequest(method, "");
    const google::protobuf::Descriptor& type = *request->GetDescriptor();
    const google::protobuf::Reflection& reflection = *request->GetReflection();
    const bool team_level = method.name().find("Team") == std::string::npos;
    if (const auto* parent = type.FindFieldByName("parent")) {
      reflection.SetString(request.get(), parent, team_level ? "{team}" : "{org}");
    }
    if (const auto* name = type.FindFieldByName("name")) {
      reflection.SetString(request.get(), name,
                           method.name().find("Team") != std::string::npos ? "{team}" : "{case}");
    }
    if (const auto* id = type.FindFieldByName("request_id")) {
      reflection.SetString(request.get(), id, "seed-" + method.name());
    }
    seeds.push_back(casework::fuzzing::EncodeCall(m, 2, *request));
    seeds.push_back(casework::fuzzing::EncodeCall(m, 0, *request));
  }
  auto index_of = [&service](const char* name) { return service.FindMethodByName(name)->index(); };
  v1::CreateCaseRequest create_case = ct::NumberedCaseRequest("{team}", "seed", 1);
  v1::GetCaseRequest get_case;
  get_case.set_name("{case}");
  v1::ListCasesRequest list_cases;
  list_cases.set_parent("{team}");
  list_cases.set_filter("caseworker = \"cw-1\" AND status = OPEN");
  list_cases.set_page_size(2);
  seeds.push_back(casework::fuzzing::EncodeCall(index_of("CreateCase"), 2, create_case) +
                  casework::fuzzing::EncodeCall(index_of("GetCase"), 3, get_case) +
                  casework::fuzzing::EncodeCall(index_of("ListCases"), 3, list_cases));
  v1::CreateTeamRequest create_team;
  create_team.set_parent("{org}");
  create_team.set_team_id("t7");
  create_team.set_request_id("seed-team");
  create_team.mutable_team()->set_display_name("Intake east");
  v1::TeamMember* member = create_team.mutable_team()->add_members();
  member->set_subject(ct::kSupervisor);
  member->add_roles(v1::TEAM_ROLE_SUPERVISOR);
  seeds.push_back(casework::fuzzing::EncodeCall(index_of("CreateTeam"), 0, create_team));
  return seeds;
}
