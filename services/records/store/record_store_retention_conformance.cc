// The RecordStore contract of what the retention purge builds on, run on every store with the
// rest of the conformance suite: organisations listed, lists cut below a sort value (closed
// cases by close time, session records by store time), action items found by their source case,
// DeleteTree and ForgetRequestIds, and the retention policy stored as a singleton resource.
#include <atomic>

#include "absl/strings/str_cat.h"
#include "casework/v1/action_item.pb.h"
#include "casework/v1/retention.pb.h"
#include "casework/v1/session_record.pb.h"
#include "services/records/domain/proto_time.h"
#include "services/records/store/record_store_conformance.h"

namespace casework::records {
namespace {

using conformance::Case;
using conformance::InsertAll;
using conformance::RunRead;
using conformance::RunWrite;
using conformance::Team;
using conformance::Unit;

casework::v1::Case ClosedCase(const std::string& team, int i, int64_t close_seconds) {
  casework::v1::Case c = Case(team, i, 1000);
  c.set_status(casework::v1::CASE_STATUS_CLOSED);
  *c.mutable_close_time() = ToProtoTime(absl::FromUnixSeconds(close_seconds));
  return c;
}

// The names `query` lists, in order.
std::vector<std::string> Names(RecordStore& store, const ListQuery& query) {
  std::vector<std::string> names;
  auto listed = RunRead(store, [&](RecordReader& reader) -> absl::StatusOr<std::string> {
    auto rows = reader.List(query);
    if (!rows.ok()) return rows.status();
    for (const ListedResource& row : *rows) names.push_back(row.position.name);
    return std::string();
  });
  EXPECT_TRUE(listed.ok()) << listed.status();
  return names;
}

template <typename Message>
bool Exists(RecordStore& store, const std::string& name) {
  auto found = RunRead(store, [&](RecordReader& reader) -> absl::StatusOr<std::string> {
    Message message;
    auto got = reader.Get(name, message);
    if (!got.ok()) return got.status();
    return std::string(*got ? "yes" : "no");
  });
  EXPECT_TRUE(found.ok()) << found.status();
  return found.ok() && *found == "yes";
}

absl::StatusOr<int> DeleteTree(RecordStore& store, ResourceKind kind, const std::string& name) {
  int deleted = 0;
  auto done = RunWrite(store, Unit([&](RecordWriter& writer) -> absl::StatusOr<std::string> {
                         auto count = writer.DeleteTree(kind, name);
                         if (!count.ok()) return count.status();
                         deleted = *count;
                         return std::string();
                       }));
  if (!done.ok()) return done.status();
  return deleted;
}

TEST_P(RecordStoreConformanceTest, ListsOrganizationsHoldingTeamsInByteOrder) {
  casework::v1::Team b = Team("b", "t1", "e"), b2 = Team("b", "t2", "e"), a = Team("a", "t", "e"),
                     c = Team("c", "t", "e");
  InsertAll(store(), {&b, &b2, &a, &c});
  auto list = [&](const std::string& after, int limit) {
    std::vector<std::string> organizations;
    auto read = RunRead(store(), [&](RecordReader& reader) -> absl::StatusOr<std::string> {
      auto listed = reader.ListOrganizations(after, limit);
      if (!listed.ok()) return listed.status();
      organizations = *listed;
      return std::string();
    });
    EXPECT_TRUE(read.ok()) << read.status();
    return organizations;
  };
  EXPECT_EQ(list("", 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(list("b", 2), (std::vector<std::string>{"c"}));
  EXPECT_TRUE(list("c", 2).empty());
}

TEST_P(RecordStoreConformanceTest, ListsClosedCasesAndSessionRecordsBelowATime) {
  casework::v1::Team t = Team("o", "t", "e"), x = Team("x", "t", "e");
  casework::v1::Case open = Case(t.name(), 1, 1000);
  casework::v1::Case early = ClosedCase(t.name(), 2, 5000), tie = ClosedCase(t.name(), 3, 5000);
  casework::v1::Case late = ClosedCase(t.name(), 4, 9000), other = ClosedCase(x.name(), 5, 10);
  casework::v1::SessionRecord stored_early, stored_late;
  stored_early.set_name(t.name() + "/sessionRecords/s1");
  *stored_early.mutable_create_time() = ToProtoTime(absl::FromUnixSeconds(2000));
  *stored_early.mutable_end_time() = ToProtoTime(absl::FromUnixSeconds(8000));  // not the order
  stored_late = stored_early;
  stored_late.set_name(t.name() + "/sessionRecords/s2");
  *stored_late.mutable_create_time() = ToProtoTime(absl::FromUnixSeconds(7000));
  *stored_late.mutable_end_time() = ToProtoTime(absl::FromUnixSeconds(100));
  InsertAll(store(), {&t, &x, &open, &early, &tie, &late, &other, &stored_early, &stored_late});

  ListQuery closed(ResourceKind::kCase, "o");
  closed.equals = {{IndexedField::kCaseStatus, absl::StrCat(casework::v1::CASE_STATUS_CLOSED)}};
  closed.sort = SortField::kCloseTime;
  closed.sort_below = absl::ToUnixMicros(absl::FromUnixSeconds(9000));  // strictly below
  EXPECT_EQ(Names(store(), closed), (std::vector<std::string>{early.name(), tie.name()}));
  closed.limit = 1;
  EXPECT_EQ(Names(store(), closed), (std::vector<std::string>{early.name()}));
  closed.after = Position{absl::ToUnixMicros(absl::FromUnixSeconds(5000)), "", early.name()};
  EXPECT_EQ(Names(store(), closed), (std::vector<std::string>{tie.name()}));

  ListQuery records(ResourceKind::kSessionRecord, "o");
  records.sort = SortField::kCreateTime;
  records.sort_below = absl::ToUnixMicros(absl::FromUnixSeconds(7000));
  EXPECT_EQ(Names(store(), records), (std::vector<std::string>{stored_early.name()}));
  records.sort_below.reset();
  EXPECT_EQ(Names(store(), records),
            (std::vector<std::string>{stored_early.name(), stored_late.name()}));
}

TEST_P(RecordStoreConformanceTest, FindsActionItemsByTheCaseTheyWereRaisedFrom) {
  casework::v1::Team t = Team("o", "t", "e");
  casework::v1::Case c1 = Case(t.name(), 1, 1), c10 = Case(t.name(), 10, 1);
  casework::v1::ActionItem from_c1, from_c10, on_its_own;
  from_c1.set_name(t.name() + "/actionItems/a1");
  from_c1.set_case_(c1.name());
  from_c10.set_name(t.name() + "/actionItems/a2");
  from_c10.set_case_(c10.name());
  on_its_own.set_name(t.name() + "/actionItems/a3");
  InsertAll(store(), {&t, &c1, &c10, &from_c1, &from_c10, &on_its_own});
  ListQuery query(ResourceKind::kActionItem, "o");
  query.equals = {{IndexedField::kSourceCase, c1.name()}};
  EXPECT_EQ(Names(store(), query), (std::vector<std::string>{from_c1.name()}));
  query.equals = {{IndexedField::kSourceCase, ""}};
  EXPECT_EQ(Names(store(), query), (std::vector<std::string>{on_its_own.name()}));
}

TEST_P(RecordStoreConformanceTest, DeleteTreeRemovesAResourceWithEverythingBeneathIt) {
  casework::v1::Team t = Team("o", "t", "e");
  casework::v1::Case c1 = Case(t.name(), 1, 1), c10 = Case(t.name(), 10, 1);  // c1 prefixes c10
  casework::v1::Goal goal, other_goal;
  goal.set_name(c1.name() + "/goals/g1");
  goal.set_etag("e");
  other_goal.set_name(c10.name() + "/goals/g1");
  casework::v1::BenefitIndicator indicator;
  indicator.set_name(c1.name() + "/benefitIndicators/b1");
  InsertAll(store(), {&t, &c1, &c10, &goal, &other_goal, &indicator});

  auto deleted = DeleteTree(store(), ResourceKind::kCase, c1.name());
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 3);  // the case, its goal and its indicator
  EXPECT_FALSE(Exists<casework::v1::Case>(store(), c1.name()));
  EXPECT_FALSE(Exists<casework::v1::Goal>(store(), goal.name()));
  EXPECT_FALSE(Exists<casework::v1::BenefitIndicator>(store(), indicator.name()));
  EXPECT_TRUE(Exists<casework::v1::Case>(store(), c10.name()));
  EXPECT_TRUE(Exists<casework::v1::Goal>(store(), other_goal.name()));
  EXPECT_TRUE(Exists<casework::v1::Team>(store(), t.name()));

  // What is gone already is not an error: a second replica's purge deletes nothing.
  deleted = DeleteTree(store(), ResourceKind::kCase, c1.name());
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 0);
  Reopen();
  EXPECT_FALSE(Exists<casework::v1::Case>(store(), c1.name()));
  EXPECT_TRUE(Exists<casework::v1::Case>(store(), c10.name()));
}

TEST_P(RecordStoreConformanceTest, ForgottenRequestIdsRunAgain) {
  std::atomic<int> runs{0};
  auto work = [&runs](RecordWriter&) -> absl::StatusOr<std::string> {
    return absl::StrCat("run ", ++runs);
  };
  EXPECT_EQ(*RunWrite(store(), Unit(work, "r-old", "p")), "run 1");
  const absl::Time between = clock_.Now() + absl::Seconds(1);
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(*RunWrite(store(), Unit(work, "r-new", "p")), "run 2");
  WriteUnit other_org = Unit(work, "r-old", "p");
  other_org.idempotency.organization = "x";
  EXPECT_EQ(*RunWrite(store(), std::move(other_org)), "run 3");

  int forgotten = -1;
  ASSERT_TRUE(RunWrite(store(), Unit([&](RecordWriter& writer) -> absl::StatusOr<std::string> {
                         auto count = writer.ForgetRequestIds("o", between);
                         if (!count.ok()) return count.status();
                         forgotten = *count;
                         return std::string();
                       }))
                  .ok());
  EXPECT_EQ(forgotten, 1);
  EXPECT_EQ(*RunWrite(store(), Unit(work, "r-old", "p")), "run 4");  // forgotten: runs again
  EXPECT_EQ(*RunWrite(store(), Unit(work, "r-new", "p")), "run 2");  // younger: remembered
  WriteUnit other_again = Unit(work, "r-old", "p");
  other_again.idempotency.organization = "x";
  EXPECT_EQ(*RunWrite(store(), std::move(other_again)), "run 3");  // another organisation's
}

TEST_P(RecordStoreConformanceTest, StoresTheRetentionPolicyAsASingleton) {
  casework::v1::RetentionPolicy policy;
  policy.set_name("organizations/o/retentionPolicy");
  policy.set_etag("0-1");
  policy.mutable_closed_case_retention()->set_seconds(86400);
  InsertAll(store(), {&policy});
  Reopen();
  auto read = RunRead(store(), [&](RecordReader& reader) -> absl::StatusOr<std::string> {
    casework::v1::RetentionPolicy stored;
    auto found = reader.Get(policy.name(), stored);
    if (!found.ok()) return found.status();
    if (!*found) return std::string("missing");
    return absl::StrCat(stored.etag(), " ", stored.closed_case_retention().seconds());
  });
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "0-1 86400");
}

}  // namespace
}  // namespace casework::records
