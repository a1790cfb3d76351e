// Fault suite G2: the records service behind our TCP fault proxy (tools/fault_proxy), which drops
// 10 % of the responses after their request was forwarded and handled. Clients retry every
// CreateCase and CreateActionItem with the same request_id until it answers: there must be
// exactly one case and one action item per create, and every answer to a retry must equal the
// original answer.
#include <google/protobuf/util/message_differencer.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/testing/figures.h"
#include "services/records/domain/proto_time.h"
#include "tests/kit_test_support.h"
#include "tests/records/records_test_support.h"
#include "tools/fault_proxy/fault_proxy.h"

namespace casework::testing {
namespace {

using casework::v1::RecordsService;
using google::protobuf::util::MessageDifferencer;

constexpr char kTeam[] = "organizations/o1/teams/t1";
constexpr int kThreads = 8;

// A channel through the proxy that reconnects at once after the proxy closed a connection.
std::shared_ptr<grpc::Channel> ProxiedChannel(int port) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials(), args);
}

// Calls `send(context, response)` until it answers OK, each attempt with the same request;
// counts the failed attempts in `retries`. Returns false on an answer a retry cannot fix.
template <typename Response>
bool UntilAcknowledged(const std::string& token, std::atomic<int>& retries, Response* response,
                       const std::function<grpc::Status(grpc::ClientContext*, Response*)>& send) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto context = ContextWithToken(token, absl::Seconds(10));
    context->set_wait_for_ready(true);
    grpc::Status status = send(context.get(), response);
    if (status.ok()) return true;
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) {
      ADD_FAILURE() << status.error_code() << " " << status.error_message();
      return false;
    }
    ++retries;
  }
  ADD_FAILURE() << "never acknowledged";
  return false;
}

casework::v1::CreateActionItemRequest NumberedActionItemRequest(int i) {
  casework::v1::CreateActionItemRequest request;
  request.set_parent(kTeam);
  request.set_request_id(absl::StrCat("G2-item-req-", i));
  request.mutable_action_item()->set_owner(kCaseworker);
  request.mutable_action_item()->set_owner_role(casework::v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
  request.mutable_action_item()->set_text(absl::StrCat("follow up ", i));
  *request.mutable_action_item()->mutable_due_time() =
      records::ToProtoTime(absl::FromUnixSeconds(1900000000) + absl::Hours(i));
  return request;
}

TEST(ResponseDropTest, RetriesWithTheSameRequestIdMakeExactlyOneRecordPerCreate) {
  const int creates = LongForm() ? 2000 : 300;  // of each kind
  auto records = RecordsTestServer::Start();
  ASSERT_NE(records, nullptr);
  SeedTeam(records->stub(), "o1");
  fault_proxy::FaultProxyOptions options;
  options.target_port = records->port();
  options.drop_response_ratio = 0.1;
  auto proxy = fault_proxy::FaultProxy::Start(options);
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto proxied = RecordsService::NewStub(ProxiedChannel((*proxy)->port()));

  std::vector<casework::v1::Case> cases(creates);
  std::vector<casework::v1::ActionItem> items(creates);
  std::atomic<int> retries{0}, failures{0};
  const std::string supervisor = SupervisorToken(), caseworker = CaseworkerToken();
  const absl::Time started = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < creates; i += kThreads) {
        const auto case_request = NumberedCaseRequest(kTeam, "G2", i);
        failures += !UntilAcknowledged<casework::v1::Case>(
            supervisor, retries, &cases[i], [&](grpc::ClientContext* c, casework::v1::Case* r) {
              return proxied->CreateCase(c, case_request, r);
            });
        const auto item_request = NumberedActionItemRequest(i);
        failures += !UntilAcknowledged<casework::v1::ActionItem>(
            caseworker, retries, &items[i],
            [&](grpc::ClientContext* c, casework::v1::ActionItem* r) {
              return proxied->CreateActionItem(c, item_request, r);
            });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const absl::Duration elapsed = absl::Now() - started;
  ASSERT_EQ(failures.load(), 0);
  const int64_t responses = (*proxy)->responses(), dropped = (*proxy)->dropped();
  std::cout << responses << " responses through the proxy, " << dropped << " dropped, "
            << (*proxy)->connections() << " connections, " << retries.load() << " retries in "
            << elapsed << "\n";
  EXPECT_GT(dropped, 0) << "the proxy dropped nothing";

  // Every create once more, directly: the same answer as the first acknowledgement.
  int differing = 0;
  for (int i = 0; i < creates; ++i) {
    casework::v1::Case again;
    ASSERT_TRUE(Call(records->stub(), &RecordsService::Stub::CreateCase, supervisor,
                     NumberedCaseRequest(kTeam, "G2", i), &again)
                    .ok());
    differing += !MessageDifferencer::Equals(again, cases[i]);
    casework::v1::ActionItem item;
    ASSERT_TRUE(Call(records->stub(), &RecordsService::Stub::CreateActionItem, caseworker,
                     NumberedActionItemRequest(i), &item)
                    .ok());
    differing += !MessageDifferencer::Equals(item, items[i]);
  }
  EXPECT_EQ(differing, 0);
  const int64_t case_rows = CountSqliteRows(records->database(), "cases");
  const int64_t item_rows = CountSqliteRows(records->database(), "action_items");
  EXPECT_EQ(case_rows, creates);
  EXPECT_EQ(item_rows, creates);
  PrintFigure(
      "G2",
      absl::StrCat("fault proxy dropping 10% of records responses after the request (", dropped,
                   " of ", responses, " dropped): ", creates, " CreateCase + ", creates,
                   " CreateActionItem retried with their request_id (", retries.load(),
                   " failed attempts retried, calls sharing a cut connection included) -> ",
                   case_rows, " cases and ", item_rows, " action items, ", differing,
                   " retry answers differing from the original"));
}

}  // namespace
}  // namespace casework::testing
