// The retention purge over a real channel, on the real records service and SQLite, with the
// service's clock moved instead of waiting: nothing is purged a second early, everything a second
// late; a purged case (with its goals, indicators and the action items raised from it) and a
// purged session record answer every RPC byte for byte like ones that never existed — compared
// with a second server where they never did — and no list returns them; an open case stays however
// old; each deletion leaves one audit entry naming what, when and under which policy, and no
// content. (The background loop and its metric: records_retention_loop_test.cc.)
#include <map>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/process.h"
#include "services/records/domain/proto_time.h"
#include "tests/kit_test_support.h"
#include "tests/records/records_test_support.h"

namespace casework::testing {
namespace {

using Stub = v1::RecordsService::Stub;
using records::ToProtoTime;

#define ASSERT_CALL_OK(call)                              \
  do {                                                    \
    const grpc::Status status_ = (call);                  \
    ASSERT_TRUE(status_.ok()) << status_.error_message(); \
  } while (false)

constexpr char kTeam[] = "organizations/o1/teams/t1";
const std::string kCase = absl::StrCat(kTeam, "/cases/c1");
const std::string kRecord = absl::StrCat(kTeam, "/sessionRecords/s1");
constexpr absl::Duration kSecond = absl::Seconds(1);
constexpr absl::Duration kDay = absl::Hours(24);

// The action item the caseworker raises from case c1, and its text.
constexpr char kItemFromCase[] = "from-c1";
constexpr char kItemText[] = "ask the school about attendance";

class RecordsRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // `full_`: organisation o1 with one resource of each kind (SeedRecordsWorld). `bare_`: o1's
    // team only, the world where everything the purge deletes never existed.
    full_ = RecordsTestServer::Start(options_);
    bare_ = RecordsTestServer::Start();
    ASSERT_NE(full_, nullptr);
    ASSERT_NE(bare_, nullptr);
    SeedRecordsWorld(full_->stub(), "o1");
    SeedTeam(bare_->stub(), "o1");
    v1::CreateActionItemRequest item;
    item.set_parent(kTeam);
    item.set_action_item_id(kItemFromCase);
    item.set_request_id(NewRequestId());
    item.mutable_action_item()->set_owner(kCaseworker);
    item.mutable_action_item()->set_owner_role(v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
    item.mutable_action_item()->set_text(kItemText);
    item.mutable_action_item()->set_case_(kCase);
    *item.mutable_action_item()->mutable_due_time() = ToProtoTime(absl::Now() + kDay);
    v1::ActionItem created;
    ASSERT_CALL_OK(Call(full_->stub(), &Stub::CreateActionItem, CaseworkerToken(), item, &created));
  }

  RetentionPurge::Pass Purge() {
    absl::StatusOr<RetentionPurge::Pass> pass = full_->app().retention().PurgeNow();
    EXPECT_TRUE(pass.ok()) << pass.status();
    return pass.ok() ? *pass : RetentionPurge::Pass();
  }

  // `request` by `token` answers NOT_FOUND on `full_` exactly as on `bare_`.
  template <typename Request, typename Response>
  void ExpectNeverExisted(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                       Response*),
                          const std::string& token, const Request& request,
                          const std::string& what) {
    Response response;
    const grpc::Status seen = Call(full_->stub(), method, token, request, &response);
    const grpc::Status missing = Call(bare_->stub(), method, token, request, &response);
    EXPECT_EQ(seen.error_code(), grpc::StatusCode::NOT_FOUND) << what;
    EXPECT_EQ(seen.error_code(), missing.error_code()) << what;
    EXPECT_EQ(seen.error_message(), missing.error_message()) << what;
    EXPECT_EQ(seen.error_details(), missing.error_details()) << what;
  }

  template <typename Request, typename Response>
  bool Exists(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
              const std::string& token, const std::string& name) {
    Request request;
    request.set_name(name);
    Response response;
    const grpc::Status status = Call(full_->stub(), method, token, request, &response);
    EXPECT_TRUE(status.ok() || status.error_code() == grpc::StatusCode::NOT_FOUND)
        << status.error_message();
    return status.ok();
  }

  RecordsTestServer::Options options_;
  std::unique_ptr<RecordsTestServer> full_;
  std::unique_ptr<RecordsTestServer> bare_;
};

template <typename Request>
Request Named(const std::string& name) {
  Request request;
  request.set_name(name);
  return request;
}

template <typename Request>
Request Under(const std::string& parent) {
  Request request;
  request.set_parent(parent);
  return request;
}

TEST_F(RecordsRetentionTest, AClosedCaseStaysToTheSecondThenGoesWithEverythingHangingOffIt) {
  SetRetention(full_->stub(), "o1", kDay, 30 * kDay);
  const v1::Case open = SeedCase(full_->stub(), "o1", "STILL-OPEN");
  v1::Case before_close;
  ASSERT_CALL_OK(Call(full_->stub(), &Stub::GetCase, SupervisorToken(),
                      Named<v1::GetCaseRequest>(kCase), &before_close));
  const std::string close_id = NewRequestId();
  CloseCaseAsSupervisor(full_->stub(), "o1", kCase, close_id);

  full_->clock().Advance(kDay - kSecond);
  EXPECT_EQ(Purge().cases, 0);
  EXPECT_TRUE((Exists<v1::GetCaseRequest, v1::Case>(&Stub::GetCase, SupervisorToken(), kCase)));

  full_->clock().Advance(2 * kSecond);
  EXPECT_EQ(Purge().cases, 1);
  const std::string sup = SupervisorToken(), cw = CaseworkerToken();
  ExpectNeverExisted(&Stub::GetCase, sup, Named<v1::GetCaseRequest>(kCase), "GetCase");
  ExpectNeverExisted(&Stub::GetCase, cw, Named<v1::GetCaseRequest>(kCase), "GetCase by cw");
  ExpectNeverExisted(&Stub::GetGoal, sup, Named<v1::GetGoalRequest>(kCase + "/goals/g1"),
                     "GetGoal");
  ExpectNeverExisted(&Stub::GetBenefitIndicator, sup,
                     Named<v1::GetBenefitIndicatorRequest>(kCase + "/benefitIndicators/b1"),
                     "GetBenefitIndicator");
  ExpectNeverExisted(&Stub::ListGoals, sup, Under<v1::ListGoalsRequest>(kCase), "ListGoals");
  ExpectNeverExisted(&Stub::ListBenefitIndicators, sup,
                     Under<v1::ListBenefitIndicatorsRequest>(kCase), "ListBenefitIndicators");
  ExpectNeverExisted(
      &Stub::GetActionItem, sup,
      Named<v1::GetActionItemRequest>(absl::StrCat(kTeam, "/actionItems/", kItemFromCase)),
      "GetActionItem of the item raised from the case");

  // Deleted from the store, dependent rows included — not hidden.
  EXPECT_EQ(CountSqliteRows(full_->database(), "cases"), 1);  // the open one
  EXPECT_EQ(CountSqliteRows(full_->database(), "goals"), 0);
  EXPECT_EQ(CountSqliteRows(full_->database(), "benefit_indicators"), 0);
  EXPECT_EQ(CountSqliteRows(full_->database(), "action_items"), 1);  // a1, not from the case

  // No list returns it; what does not hang off the case stays.
  v1::ListCasesResponse cases;
  ASSERT_CALL_OK(
      Call(full_->stub(), &Stub::ListCases, sup, Under<v1::ListCasesRequest>(kTeam), &cases));
  ASSERT_EQ(cases.cases_size(), 1);
  EXPECT_EQ(cases.cases(0).name(), open.name());
  v1::ListActionItemsResponse items;
  ASSERT_CALL_OK(Call(full_->stub(), &Stub::ListActionItems, sup,
                      Under<v1::ListActionItemsRequest>(kTeam), &items));
  ASSERT_EQ(items.action_items_size(), 1);
  EXPECT_EQ(items.action_items(0).name(), absl::StrCat(kTeam, "/actionItems/a1"));
  EXPECT_TRUE((Exists<v1::GetSessionRecordRequest, v1::SessionRecord>(&Stub::GetSessionRecord, sup,
                                                                      kRecord)));

  // A retry of the close with its request id does not hand the purged case back: the remembered
  // answer went with it, so the call runs again and finds nothing.
  v1::CloseCaseRequest retry;
  retry.set_name(kCase);
  retry.set_etag(before_close.etag());
  retry.set_close_reason(kCloseReason);
  retry.set_request_id(close_id);
  ExpectNeverExisted(&Stub::CloseCase, sup, retry, "CloseCase");

  // An open case is never purged, however old.
  full_->clock().Advance(100 * 365 * kDay);
  EXPECT_EQ(Purge().cases, 0);
  EXPECT_TRUE((Exists<v1::GetCaseRequest, v1::Case>(&Stub::GetCase, sup, open.name())));
}

TEST_F(RecordsRetentionTest, ASessionRecordStaysToTheSecondThenAnswersLikeOneNeverStored) {
  SetRetention(full_->stub(), "o1", kDay, 2 * kDay);
  const std::string fac = FacilitatorToken();
  full_->clock().Advance(2 * kDay - kSecond);
  EXPECT_EQ(Purge().session_records, 0);
  EXPECT_TRUE((Exists<v1::GetSessionRecordRequest, v1::SessionRecord>(&Stub::GetSessionRecord, fac,
                                                                      kRecord)));

  full_->clock().Advance(2 * kSecond);
  const RetentionPurge::Pass pass = Purge();
  EXPECT_EQ(pass.session_records, 1);
  EXPECT_EQ(pass.cases, 0);  // c1 is open
  ExpectNeverExisted(&Stub::GetSessionRecord, fac, Named<v1::GetSessionRecordRequest>(kRecord),
                     "GetSessionRecord by a participant");
  ExpectNeverExisted(&Stub::GetSessionRecord, SessionServiceToken(),
                     Named<v1::GetSessionRecordRequest>(kRecord), "GetSessionRecord by service");
  EXPECT_EQ(CountSqliteRows(full_->database(), "session_records"), 0);
  for (const std::string& token : {fac, SupervisorToken(), SessionServiceToken()}) {
    v1::ListSessionRecordsResponse records;
    ASSERT_CALL_OK(Call(full_->stub(), &Stub::ListSessionRecords, token,
                        Under<v1::ListSessionRecordsRequest>(kTeam), &records));
    EXPECT_EQ(records.session_records_size(), 0);
  }
  EXPECT_TRUE((Exists<v1::GetCaseRequest, v1::Case>(&Stub::GetCase, SupervisorToken(), kCase)));
  EXPECT_TRUE((Exists<v1::GetMeetingRequest, v1::Meeting>(&Stub::GetMeeting, SupervisorToken(),
                                                          absl::StrCat(kTeam, "/meetings/m1"))));
}

TEST_F(RecordsRetentionTest, EachDeletionIsAuditedOnceWithWhatWhenAndWhichPolicyButNoContent) {
  const v1::RetentionPolicy policy = SetRetention(full_->stub(), "o1", kDay, 2 * kDay);
  CloseCaseAsSupervisor(full_->stub(), "o1", kCase);
  full_->clock().Advance(2 * kDay + kSecond);
  const absl::Time purged_at = full_->clock().Now();
  const RetentionPurge::Pass pass = Purge();
  EXPECT_EQ(pass.cases + pass.session_records, 2);
  EXPECT_EQ(Purge().cases + Purge().session_records, 0);  // a second pass finds nothing to redo

  v1::ListAuditEntriesRequest list;
  list.set_parent("organizations/o1");
  list.set_filter("method = \"retention-purge\"");
  v1::ListAuditEntriesResponse entries;
  ASSERT_CALL_OK(Call(full_->stub(), &Stub::ListAuditEntries, AuditorToken(), list, &entries));
  ASSERT_EQ(entries.audit_entries_size(), 2);
  std::map<std::string, v1::AuditEntry> by_resource;
  for (const v1::AuditEntry& entry : entries.audit_entries()) by_resource[entry.resource()] = entry;
  ASSERT_EQ(by_resource.count(kCase), 1u);
  ASSERT_EQ(by_resource.count(kRecord), 1u);
  struct Expected {
    std::string rule;
    absl::Duration retention;
    int dependents;
  };
  const std::map<std::string, Expected> expected = {
      {kCase, {"closed_case_retention", kDay, 3}},  // goal g1, indicator b1, the raised item
      {kRecord, {"session_record_retention", 2 * kDay, 0}}};
  for (const auto& [name, want] : expected) {
    const v1::AuditEntry& entry = by_resource[name];
    EXPECT_EQ(entry.actor(), "records-service");
    EXPECT_EQ(entry.organization(), "o1");
    EXPECT_EQ(entry.outcome(), google::rpc::OK);
    EXPECT_EQ(records::FromProtoTime(entry.finish_time()), purged_at);
    EXPECT_EQ(entry.retention_purge().policy(), "organizations/o1/retentionPolicy");
    EXPECT_EQ(entry.retention_purge().policy_etag(), policy.etag());
    EXPECT_EQ(entry.retention_purge().rule(), want.rule);
    EXPECT_EQ(records::FromProtoDuration(entry.retention_purge().retention()), want.retention);
    EXPECT_EQ(entry.retention_purge().dependents_deleted(), want.dependents);
    // Nothing of what was deleted: no reference, text, person, protocol or close reason.
    const std::string bytes = entry.SerializeAsString();
    for (const std::string& content :
         {std::string("REF-o1"), std::string("a goal"), std::string("an indicator"),
          std::string(kItemText), std::string(kCaseworker), std::string(kFacilitator),
          std::string("intervision"), std::string(kCloseReason)}) {
      EXPECT_EQ(bytes.find(content), std::string::npos) << name << " holds " << content;
    }
  }
}

}  // namespace
}  // namespace casework::testing
