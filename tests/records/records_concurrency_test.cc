// Optimistic concurrency under contention: 8 threads each apply 500 read-modify-writes to one
// action item, guarded by its etag. Every write that read a stale version must be refused
// (ABORTED, ETAG_MISMATCH) and every accepted one must build on the one before: the counter in the
// item's text ends at exactly 4,000.
#include <atomic>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/records/domain/proto_time.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::RecordsService;

TEST(RecordsConcurrencyTest, EtagGuardedReadModifyWritesNeverLoseAnUpdate) {
  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 500;
  auto server = RecordsTestServer::Start();
  ASSERT_NE(server, nullptr);
  SeedTeam(server->stub(), "o1");
  casework::v1::CreateActionItemRequest create;
  create.set_parent("organizations/o1/teams/t1");
  create.set_action_item_id("counter");
  create.set_request_id(NewRequestId());
  create.mutable_action_item()->set_owner(kCaseworker);
  create.mutable_action_item()->set_owner_role(casework::v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
  create.mutable_action_item()->set_text("count 0");
  *create.mutable_action_item()->mutable_due_time() =
      records::ToProtoTime(absl::Now() + absl::Hours(24));
  casework::v1::ActionItem item;
  ASSERT_TRUE(Call(server->stub(), &RecordsService::Stub::CreateActionItem, CaseworkerToken(),
                   create, &item)
                  .ok());

  std::atomic<int> applied{0};
  std::atomic<int> refused{0};
  std::atomic<int> unexpected{0};
  const std::string token = CaseworkerToken();
  const absl::Time started = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      int mine = 0;
      while (mine < kWritesPerThread && unexpected.load() == 0) {
        casework::v1::GetActionItemRequest get;
        get.set_name(item.name());
        casework::v1::ActionItem current;
        if (!Call(server->stub(), &RecordsService::Stub::GetActionItem, token, get, &current)
                 .ok()) {
          ++unexpected;
          return;
        }
        int count = 0;
        if (!absl::SimpleAtoi(current.text().substr(6), &count)) ++unexpected;
        casework::v1::UpdateActionItemRequest update;
        *update.mutable_action_item() = current;
        update.mutable_action_item()->set_text(absl::StrCat("count ", count + 1));
        update.mutable_update_mask()->add_paths("text");
        update.set_request_id(NewRequestId());
        casework::v1::ActionItem written;
        grpc::Status status =
            Call(server->stub(), &RecordsService::Stub::UpdateActionItem, token, update, &written);
        if (status.ok()) {
          ++mine;
          ++applied;
        } else if (status.error_code() == grpc::StatusCode::ABORTED &&
                   Reason(status) == "ETAG_MISMATCH") {
          ++refused;
        } else {
          ++unexpected;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const absl::Duration elapsed = absl::Now() - started;

  casework::v1::GetActionItemRequest get;
  get.set_name(item.name());
  ASSERT_TRUE(Call(server->stub(), &RecordsService::Stub::GetActionItem, token, get, &item).ok());
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(applied.load(), kThreads * kWritesPerThread);
  EXPECT_EQ(item.text(), absl::StrCat("count ", kThreads * kWritesPerThread));
  EXPECT_GT(refused.load(), 0) << "the threads never raced";
  std::cout << "applied " << applied.load() << ", refused stale " << refused.load() << " in "
            << elapsed << " (" << server->app().store_commits() << " commits)\n";
}

}  // namespace
}  // namespace casework::testing
