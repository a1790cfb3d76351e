// libFuzzer target on the notification service: WatchSession and WatchOrganization with fuzzed
// requests and a cast of callers against the real server in this process (a private
// redis-server, started once per process, holding an intervision in its silent-writing step with
// one sealed association per author), and the per-viewer projection of fuzzed session events.
// Method byte (fuzz/common/grpc_request_fuzzing.h), modulo 3: 0 WatchSession, 1
// WatchOrganization, 2 ProjectEvent(the session's state, the request bytes as a SessionEvent,
// the caller). Oracles: the status oracle of CheckStatus; no frame a viewer receives carries
// another author's sealed text (nothing is revealed in this session); no crash or sanitizer
// report in the projection.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fuzz/common/grpc_request_fuzzing.h"
#include "libs/session_engine/session_projection.h"
#include "libs/session_engine/testing/scenarios.h"
#include "tests/notification/notification_test_support.h"

namespace {

namespace v1 = ::casework::v1;
namespace nt = ::casework::notification::testing;
using casework::fuzzing::FuzzCall;

constexpr size_t kMaxCalls = 6;
constexpr char kSealedMarker[] = "zqsealed-";
const std::vector<std::string> kAuthors = {"f", "m1", "m2", "m3"};
// Callers: the session's people, an outsider in the team, another organisation, a broken token.
const std::vector<std::string> kSubjects = {"f", "m1", "m2", "m3", "g", "x", "m1", ""};

struct Target {
  std::unique_ptr<nt::NotificationTestEnv> env;
  std::unique_ptr<nt::EngineHarness> harness;
  std::vector<std::string> tokens;
  std::vector<v1::Principal> principals;
  int64_t last_sequence = 0;
};

Target& TheTarget() {
  static Target* target = [] {
    casework::fuzzing::QuietLogs();
    auto* t = new Target;
    t->env = nt::NotificationTestEnv::Start();
    if (t->env == nullptr) std::abort();
    t->harness = std::make_unique<nt::EngineHarness>();
    if (!casework::session::testing::IntervisionAt(*t->harness, "state_problem").ok()) {
      std::abort();
    }
    for (const std::string& author : kAuthors) {
      if (!t->harness
               ->Add(author, v1::CONTRIBUTION_KIND_ASSOCIATION,
                     absl::StrCat(kSealedMarker, author, " a calm afternoon"))
               .ok() ||
          !t->env->AppendNew(*t->harness).ok()) {
        std::abort();
      }
    }
    t->last_sequence = t->env->appended();
    for (size_t i = 0; i < kSubjects.size(); ++i) {
      const std::string org = i == 6 ? "other" : "acme";
      t->tokens.push_back(kSubjects[i].empty() ? "not-a-token" : nt::TokenFor(kSubjects[i], org));
      v1::Principal principal;
      principal.set_subject(kSubjects[i]);
      principal.set_organization(org);
      principal.add_teams("t1");
      t->principals.push_back(std::move(principal));
    }
    return t;
  }();
  return *target;
}

// Aborts when `bytes` (a frame `viewer` received) carries a sealed text of another author.
void CheckNoForeignSealedText(const std::string& bytes, const std::string& viewer) {
  for (const std::string& author : kAuthors) {
    if (author != viewer && bytes.find(absl::StrCat(kSealedMarker, author)) != std::string::npos) {
      std::fprintf(stderr, "viewer %s received %s's sealed text\n", viewer.c_str(), author.c_str());
      std::abort();
    }
  }
}

template <typename Response, typename Request>
void Watch(Target& target, const google::protobuf::MethodDescriptor& method, size_t caller,
           const Request& request,
           std::unique_ptr<grpc::ClientReader<Response>> (v1::NotificationService::Stub::*start)(
               grpc::ClientContext*, const Request&)) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", target.tokens[caller]));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Milliseconds(150)));
  std::unique_ptr<grpc::ClientReader<Response>> reader =
      (target.env->stub().*start)(&context, request);
  Response frame;
  while (reader->Read(&frame)) {
    CheckNoForeignSealedText(frame.SerializeAsString(), kSubjects[caller]);
    // The whole replay arrived: what would follow is live, and nothing is appended any more.
    if constexpr (std::is_same_v<Response, v1::WatchSessionResponse>) {
      if (frame.event().sequence() >= target.last_sequence) context.TryCancel();
    }
  }
  const grpc::Status status = reader->Finish();
  casework::fuzzing::CheckStatus(status, method, static_cast<int>(caller), request);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Target& target = TheTarget();
  const google::protobuf::ServiceDescriptor& service =
      casework::fuzzing::FindService("casework.v1.NotificationService");
  for (const FuzzCall& call : casework::fuzzing::DecodeCalls(data, size, kMaxCalls)) {
    const size_t caller = call.caller % kSubjects.size();
    const int which = call.method % 3;
    if (which == 2) {
      v1::SessionEvent event;
      if (!event.ParseFromString(call.request)) continue;
      (void)casework::session::ProjectEvent(target.harness->state(), event,
                                            target.principals[caller]);
      continue;
    }
    const google::protobuf::MethodDescriptor& method = *service.method(which);
    std::unique_ptr<google::protobuf::Message> parsed =
        casework::fuzzing::ParseRequest(method, call.request);
    if (parsed == nullptr) continue;
    casework::fuzzing::ReplaceInStrings(*parsed, {{"{session}", nt::kSession}});
    if (which == 0) {
      Watch<v1::WatchSessionResponse>(target, method, caller,
                                      static_cast<const v1::WatchSessionRequest&>(*parsed),
                                      &v1::NotificationService::Stub::WatchSession);
    } else {
      Watch<v1::WatchOrganizationResponse>(
          target, method, caller, static_cast<const v1::WatchOrganizationRequest&>(*parsed),
          &v1::NotificationService::Stub::WatchOrganization);
    }
  }
  return 0;
}

// Seeds (replay_main --write-seeds): each viewer watching the session from the start and from
// the middle, the organisation's notices, and the session's own events projected for each viewer.
std::vector<std::string> FuzzSeeds() {
  using casework::fuzzing::EncodeCall;
  std::vector<std::string> seeds;
  for (int caller = 0; caller < static_cast<int>(kSubjects.size()); ++caller) {
    v1::WatchSessionRequest watch;
    watch.set_session("{session}");
    std::string seed = EncodeCall(0, caller, watch);
    watch.set_after_sequence(3);
    seed += EncodeCall(0, caller, watch);
    v1::WatchOrganizationRequest org;
    org.set_parent("organizations/acme");
    org.add_kinds(v1::ORGANIZATION_EVENT_KIND_SESSION_STARTED);
    seed += EncodeCall(1, caller, org);
    seeds.push_back(seed);
  }
  nt::EngineHarness harness;
  if (casework::session::testing::IntervisionAt(harness, "state_problem").ok() &&
      harness.Add("m1", v1::CONTRIBUTION_KIND_ASSOCIATION, "zqsealed-m1 seed").ok()) {
    std::string seed;
    for (const v1::SessionEvent& event : harness.log()) seed += EncodeCall(2, 2, event);
    seeds.push_back(seed);
  }
  return seeds;
}
