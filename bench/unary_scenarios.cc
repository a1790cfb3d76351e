// Echo, CreateCase and AddContribution as load-generator operations.
#include "bench/unary_scenarios.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casework_bench/echo.grpc.pb.h"

namespace casework::bench {
namespace {

template <typename Stub>
struct Stubs {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<Stub>> stubs;
  Stub& ForSlot(int slot) { return *stubs[static_cast<size_t>(slot) % stubs.size()]; }
};

template <typename Service>
std::shared_ptr<Stubs<typename Service::Stub>> Connect(const UnaryTarget& target) {
  auto stubs = std::make_shared<Stubs<typename Service::Stub>>();
  stubs->channels = MakeChannels(target.address, target.channels);
  for (const auto& channel : stubs->channels) {
    WaitConnected(channel, absl::Seconds(10));
    stubs->stubs.push_back(Service::NewStub(channel));
  }
  return stubs;
}

int CodeOf(const grpc::Status& status, FirstError& first_error) {
  if (status.ok()) return 0;
  first_error.Note(Describe(status));
  return status.error_code();
}

// Letters only: the records service refuses references with long digit runs as identifying
// information (they look like id numbers), so a reference spells its numbers in letters.
std::string Letters(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= '0' && c <= '9') out += static_cast<char>('a' + (c - '0'));
  }
  return out;
}

std::string Letters(int64_t number) {
  std::string out;
  do {
    out += static_cast<char>('a' + number % 26);
    number /= 26;
  } while (number > 0);
  return out;
}

}  // namespace

absl::StatusOr<PreparedLoad> BuildEcho(const UnaryTarget& target, const std::string& token) {
  auto stubs = Connect<casework::bench::EchoService>(target);
  auto payload = std::make_shared<std::string>(static_cast<size_t>(target.payload), 'e');
  PreparedLoad load;
  load.keep_alive = stubs;
  auto first_error = load.first_error;
  load.start = [stubs, payload, token, first_error](int slot, int64_t /*index*/,
                                                    OperationDone done) {
    auto& stub = stubs->ForSlot(slot);
    casework::bench::EchoMessage request;
    request.set_payload(*payload);
    CallUnary<casework::bench::EchoMessage, casework::bench::EchoMessage>(
        token, std::move(request),
        [&stub](grpc::ClientContext* context, const casework::bench::EchoMessage* req,
                casework::bench::EchoMessage* resp, std::function<void(grpc::Status)> on_done) {
          stub.async()->Echo(context, req, resp, std::move(on_done));
        },
        [done = std::move(done), first_error](const grpc::Status& status,
                                              const casework::bench::EchoMessage&) {
          done(CodeOf(status, *first_error));
        });
  };
  load.notes = absl::StrCat("payload ", target.payload, " bytes");
  return load;
}

absl::StatusOr<PreparedLoad> BuildCreateCase(const UnaryTarget& target, CaseworkFixture& fixture,
                                             const std::string& run_id) {
  auto stubs = Connect<casework::v1::RecordsService>(target);
  const std::string token = fixture.Token("sup", "supervisor");
  const std::string team = fixture.team();
  const std::string tag = Letters(run_id);
  PreparedLoad load;
  load.keep_alive = stubs;
  auto first_error = load.first_error;
  load.start = [stubs, token, team, run_id, tag, first_error](int slot, int64_t index,
                                                              OperationDone done) {
    auto& stub = stubs->ForSlot(slot);
    casework::v1::CreateCaseRequest request;
    request.set_parent(team);
    request.set_request_id(absl::StrCat("case-", run_id, "-", index));
    casework::v1::Case& created = *request.mutable_case_();
    created.set_reference(absl::StrCat("BR-", tag, "-", Letters(index)));
    created.set_risk_level(static_cast<casework::v1::RiskLevel>(1 + index % 3));
    created.set_caseworker(absl::StrCat("cw-", index % 2));
    CallUnary<casework::v1::CreateCaseRequest, casework::v1::Case>(
        token, std::move(request),
        [&stub](grpc::ClientContext* context, const casework::v1::CreateCaseRequest* req,
                casework::v1::Case* resp, std::function<void(grpc::Status)> on_done) {
          stub.async()->CreateCase(context, req, resp, std::move(on_done));
        },
        [done = std::move(done), first_error](const grpc::Status& status,
                                              const casework::v1::Case&) {
          done(CodeOf(status, *first_error));
        });
  };
  load.notes = "one case per call, unique reference, supervisor token";
  return load;
}

namespace {

// Which session each slot writes to and how many contributions it has put there.
struct ContributionState {
  std::shared_ptr<Stubs<casework::v1::SessionService::Stub>> stubs;
  std::vector<std::string> sessions;
  std::vector<std::string> member_tokens;
  std::unique_ptr<std::atomic<int64_t>[]> written;  // per slot (open loop shares slots)
  int in_flight = 1;
  int per_session = 250;
  std::string run_id;
};

// Builds `count` sessions with `threads` threads; a failure stops the others early.
absl::StatusOr<std::vector<std::string>> BuildSessions(CaseworkFixture& fixture,
                                                       const UnaryTarget& target, int count,
                                                       int threads) {
  std::vector<std::string> names(static_cast<size_t>(count));
  std::atomic<int> next{0};
  std::mutex mu;
  absl::Status failure;
  std::vector<std::thread> workers;
  for (int t = 0; t < std::min(threads, count); ++t) {
    workers.emplace_back([&] {
      auto channel = MakeChannels(target.address, 1).front();
      auto stub = casework::v1::SessionService::NewStub(channel);
      for (int i = next++; i < count; i = next++) {
        absl::StatusOr<std::string> name =
            fixture.BalintInQuestions(*stub, absl::StrCat("b-", fixture.run_id(), "-", i));
        std::lock_guard<std::mutex> lock(mu);
        if (!name.ok()) {
          if (failure.ok()) failure = name.status();
          next = count;
          return;
        }
        names[static_cast<size_t>(i)] = *name;
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  if (!failure.ok()) return failure;
  return names;
}

}  // namespace

absl::StatusOr<PreparedLoad> BuildAddContribution(const UnaryTarget& target,
                                                  CaseworkFixture& fixture,
                                                  const ContributionPlan& plan,
                                                  const std::string& run_id) {
  auto state = std::make_shared<ContributionState>();
  state->stubs = Connect<casework::v1::SessionService>(target);
  state->in_flight = target.in_flight;
  state->per_session = plan.contributions_per_session;
  state->run_id = run_id;
  state->written.reset(new std::atomic<int64_t>[static_cast<size_t>(target.in_flight)]());
  int count = plan.sessions;
  if (count == 0) {
    count = static_cast<int>(
        std::ceil(plan.expected_qps * plan.seconds / plan.contributions_per_session));
  }
  count = std::max(count, target.in_flight);
  count = (count + target.in_flight - 1) / target.in_flight * target.in_flight;
  absl::StatusOr<std::vector<std::string>> sessions =
      BuildSessions(fixture, target, count, plan.setup_threads);
  if (!sessions.ok()) return sessions.status();
  state->sessions = *std::move(sessions);
  for (int i = 0; i < CaseworkFixture::kBalintMembers; ++i) {
    state->member_tokens.push_back(fixture.Token(absl::StrCat("m-", i), "member"));
  }
  PreparedLoad load;
  load.keep_alive = state;
  auto first_error = load.first_error;
  load.start = [state, first_error](int slot, int64_t index, OperationDone done) {
    // Slot s writes sessions s, s + in_flight, s + 2·in_flight, ... wrapping around when the
    // pool is exhausted (the report then shows more contributions per session than planned).
    const int64_t written = state->written[static_cast<size_t>(slot)].fetch_add(1);
    const size_t rounds = state->sessions.size() / static_cast<size_t>(state->in_flight);
    const size_t round = static_cast<size_t>(written / state->per_session) % rounds;
    const std::string& session =
        state->sessions[static_cast<size_t>(slot) + round * static_cast<size_t>(state->in_flight)];
    casework::v1::AddContributionRequest request;
    request.set_name(session);
    request.set_request_id(absl::StrCat("c-", state->run_id, "-", index));
    request.mutable_contribution()->set_kind(casework::v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION);
    request.mutable_contribution()->set_text(
        "How did the family respond when you first raised your concern with them?");
    auto& stub = state->stubs->ForSlot(slot);
    CallUnary<casework::v1::AddContributionRequest, casework::v1::AddContributionResponse>(
        state->member_tokens[static_cast<size_t>(index) % state->member_tokens.size()],
        std::move(request),
        [&stub](grpc::ClientContext* context, const casework::v1::AddContributionRequest* req,
                casework::v1::AddContributionResponse* resp,
                std::function<void(grpc::Status)> on_done) {
          stub.async()->AddContribution(context, req, resp, std::move(on_done));
        },
        [done = std::move(done), first_error](const grpc::Status& status,
                                              const casework::v1::AddContributionResponse&) {
          done(CodeOf(status, *first_error));
        });
  };
  load.notes = absl::StrCat(state->sessions.size(), " Balint sessions in phase questions, ",
                            plan.contributions_per_session,
                            " contributions per session before a slot moves on");
  return load;
}

}  // namespace casework::bench
