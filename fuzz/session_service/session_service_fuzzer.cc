// libFuzzer target on the session service's request handling: every SessionService RPC, sent with
// a fuzzed request and one of a cast of callers (the seeded team's roles, an outsider, another
// organisation, a broken token) to a real session replica in this process — authentication, name
// checks, request → command translation, the engine's decisions, the Redis log (a private
// redis-server started once per process) and the records service's facts (in-process, seeded
// team). Each input gets a fresh session name: "{session}" and "{id}" in any string field of a
// request become it, so a seed that creates, joins and starts a session goes deep each time.
// Input format and oracle: fuzz/common/grpc_request_fuzzing.h.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casework/v1/session_service.pb.h"
#include "fuzz/common/grpc_request_fuzzing.h"
#include "tests/kit_test_support.h"
#include "tests/session/session_test_support.h"

namespace {

namespace v1 = ::casework::v1;
namespace ct = ::casework::testing;
using casework::fuzzing::FuzzCall;

constexpr size_t kMaxCalls = 16;
constexpr char kService[] = "casework.v1.SessionService";
// The seeded team's cast (tests/session/session_test_support.h), by caller byte.
constexpr const char* kCast[] = {"sup-1", "cw-1", "cw-2", "fac-1", "mem-1"};

struct Target {
  std::unique_ptr<ct::SessionStack> stack;
  std::shared_ptr<grpc::Channel> channel;
  std::vector<std::string> callers;
  int64_t inputs = 0;
};

Target& TheTarget() {
  static Target* target = [] {
    casework::fuzzing::QuietLogs();
    auto* t = new Target;
    t->stack = ct::SessionStack::Start();
    if (t->stack == nullptr) std::abort();
    t->channel = ct::LoopbackChannel(t->stack->replica(0).port());
    for (const char* subject : kCast) t->callers.push_back(ct::PersonToken(subject));
    t->callers.push_back(ct::PersonToken("out-1"));        // same organisation, not in the team
    t->callers.push_back(ct::PersonToken("sup-1", "o2"));  // another organisation
    t->callers.push_back("not-a-token");
    return t;
  }();
  return *target;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Target& target = TheTarget();
  const google::protobuf::ServiceDescriptor& service = casework::fuzzing::FindService(kService);
  const std::string id = absl::StrCat("fz", ++target.inputs);
  const std::vector<std::pair<std::string, std::string>> placeholders = {
      {"{session}", absl::StrCat(ct::kTeamName, "/sessions/", id)}, {"{id}", id}};
  for (const FuzzCall& call : casework::fuzzing::DecodeCalls(data, size, kMaxCalls)) {
    const google::protobuf::MethodDescriptor& method =
        *service.method(call.method % service.method_count());
    std::unique_ptr<google::protobuf::Message> request =
        casework::fuzzing::ParseRequest(method, call.request);
    if (request == nullptr) continue;
    casework::fuzzing::ReplaceInStrings(*request, placeholders);
    const size_t caller = call.caller % target.callers.size();
    const grpc::Status status =
        casework::fuzzing::CallUnary(*target.channel, method, target.callers[caller], *request);
    casework::fuzzing::CheckStatus(status, method, static_cast<int>(caller), *request);
  }
  return 0;
}

namespace {

int MethodIndex(const char* name) {
  return casework::fuzzing::FindService(kService).FindMethodByName(name)->index();
}

template <typename Request>
Request Named() {
  Request request;
  request.set_name("{session}");
  request.set_request_id(absl::StrCat("{id}-", Request::descriptor()->name()));
  return request;
}

}  // namespace

// Seeds (replay_main --write-seeds): a Balint consultation created, joined, acknowledged,
// assigned, started and a question asked; a team meeting created and read; and every RPC once
// with the session's name as the supervisor.
std::vector<std::string> FuzzSeeds() {
  using casework::fuzzing::EncodeCall;
  v1::CreateSessionRequest create;
  create.set_parent(ct::kTeamName);
  create.set_session_id("{id}");
  create.set_request_id("{id}-create");
  create.mutable_session()->set_protocol_id("balint-consultation");
  create.mutable_session()->mutable_scheduled_start_time()->set_seconds(1893456000);
  std::string balint = EncodeCall(MethodIndex("CreateSession"), 0, create);
  for (int who : {3, 1, 2, 4, 0}) {  // facilitator, case owner, three members
    v1::JoinSessionRequest join = Named<v1::JoinSessionRequest>();
    join.set_request_id(absl::StrCat("{id}-join-", who));
    balint += EncodeCall(MethodIndex("JoinSession"), who, join);
    v1::AcknowledgeAgreementsRequest ack = Named<v1::AcknowledgeAgreementsRequest>();
    ack.set_request_id(absl::StrCat("{id}-ack-", who));
    for (auto agreement :
         {v1::AGREEMENT_CONFIDENTIALITY, v1::AGREEMENT_DIALOGUE, v1::AGREEMENT_INCLUSION}) {
      ack.add_agreements(agreement);
    }
    balint += EncodeCall(MethodIndex("AcknowledgeAgreements"), who, ack);
  }
  v1::AssignRolesRequest assign = Named<v1::AssignRolesRequest>();
  assign.set_facilitator("fac-1");
  assign.set_case_owner("cw-1");
  balint += EncodeCall(MethodIndex("AssignRoles"), 0, assign);
  balint += EncodeCall(MethodIndex("StartSession"), 3, Named<v1::StartSessionRequest>());
  v1::AddContributionRequest question = Named<v1::AddContributionRequest>();
  question.mutable_contribution()->set_kind(v1::CONTRIBUTION_KIND_QUESTION);
  question.mutable_contribution()->set_text("What do I need to understand here?");
  balint += EncodeCall(MethodIndex("AddContribution"), 1, question);

  std::vector<std::string> seeds = {balint};
  v1::CreateSessionRequest meeting = create;
  meeting.mutable_session()->set_protocol_id("case-management-meeting");
  v1::GetSessionRequest get;
  get.set_name("{session}");
  get.set_view(v1::SESSION_VIEW_FULL);
  v1::ListSessionEventsRequest events;
  events.set_parent("{session}");
  seeds.push_back(EncodeCall(MethodIndex("CreateSession"), 0, meeting) +
                  EncodeCall(MethodIndex("GetSession"), 0, get) +
                  EncodeCall(MethodIndex("ListSessionEvents"), 0, events));
  const google::protobuf::ServiceDescriptor& service = casework::fuzzing::FindService(kService);
  for (int m = 0; m < service.method_count(); ++m) {
    std::unique_ptr<google::protobuf::Message> request =
        casework::fuzzing::ParseRequest(*service.method(m), "");
    const google::protobuf::Descriptor& type = *request->GetDescriptor();
    const google::protobuf::Reflection& reflection = *request->GetReflection();
    for (const char* field : {"name", "parent"}) {
      if (const auto* f = type.FindFieldByName(field)) {
        reflection.SetString(request.get(), f, "{session}");
      }
    }
    if (const auto* f = type.FindFieldByName("request_id")) {
      reflection.SetString(request.get(), f, "{id}-r");
    }
    seeds.push_back(EncodeCall(MethodIndex("CreateSession"), 0, create) +
                    EncodeCall(m, 0, *request));
  }
  return seeds;
}
