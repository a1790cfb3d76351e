// The retention purge of live session logs (issue 18, "Retention"): a session's log stays until
// its record has been stored for the organisation's `session_log_retention`, then goes from
// Redis whole — stream, snapshot, request ids, team index — with one audit entry, and the session
// answers like one that never existed while its record stays. Real Redis, the real records
// service over gRPC, a session-service replica writing the log; the purge runs in-process with
// the time it judges by moved instead of waited for.
#include <future>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/field_mask.pb.h"
#include "gtest/gtest.h"
#include "libs/records_client/records_client.h"
#include "libs/session_engine/time_util.h"
#include "libs/session_log/redis_event_log.h"
#include "libs/session_log/session_keys.h"
#include "libs/testing/test_tokens.h"
#include "services/session/session_log_purge.h"
#include "tests/kit_test_support.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;
using session::RecordedSession;
using session::SessionLogPurge;

class SessionRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = SessionStack::Start();
    ASSERT_NE(stack_, nullptr);
    log_ = std::make_unique<session::RedisEventLog>(*stack_->redis().client);
    absl::StatusOr<std::unique_ptr<RecordsClient>> records =
        RecordsClient::Create(*stack_->ReplicaOptions().records);
    ASSERT_TRUE(records.ok()) << records.status();
    records_ = *std::move(records);
    session::SessionLogPurgeOptions options;
    options.interval = absl::ZeroDuration();  // passes run when the test says
    options.batch = 2;                        // several rounds with a handful of sessions
    purge_ = std::make_unique<SessionLogPurge>(
        registry_, *log_, *records_, [this] { return now_; }, options);
  }

  // A session ended in its lobby (cancelled: a short record is still stored), once its record
  // is stored; returns its name.
  std::string RecordedSessionName() {
    SessionDriver s(&stack_->stub());
    EXPECT_GRPC_OK(s.Create(kFacilitator, "balint-consultation"));
    EXPECT_GRPC_OK(s.Join(kFacilitator));
    EXPECT_GRPC_OK(s.Join(kCaseworker));
    EXPECT_GRPC_OK(s.End(kFacilitator, "postponed"));
    const absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (s.Get(kFacilitator).session_record().empty() && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(50));  // polling interval, not synchronisation
    }
    EXPECT_FALSE(s.Get(kFacilitator).session_record().empty()) << "no record stored";
    return s.name();
  }

  // When the session's record was stored, as the recorded set holds it.
  absl::Time StoredAt(const std::string& name) {
    std::promise<absl::StatusOr<std::vector<RecordedSession>>> done;
    log_->ListRecorded(absl::Now() + absl::Hours(1), 0, 1000,
                       [&done](auto listed) { done.set_value(std::move(listed)); });
    absl::StatusOr<std::vector<RecordedSession>> listed = done.get_future().get();
    EXPECT_TRUE(listed.ok()) << listed.status();
    if (listed.ok()) {
      for (const RecordedSession& session : *listed) {
        if (session.name == name) return session.stored;
      }
    }
    ADD_FAILURE() << name << " is not in the recorded set";
    return absl::InfinitePast();
  }

  SessionLogPurge::Pass PurgeAt(absl::Time now) {
    now_ = now;
    absl::StatusOr<SessionLogPurge::Pass> pass = purge_->PurgeNow();
    EXPECT_TRUE(pass.ok()) << pass.status();
    return pass.ok() ? *pass : SessionLogPurge::Pass{};
  }

  // Sets o1's session_log_retention as its admin (the other durations stay as they are).
  void SetSessionLogRetention(absl::Duration retention) {
    v1::GetRetentionPolicyRequest get;
    get.set_name("organizations/o1/retentionPolicy");
    v1::RetentionPolicy policy;
    ASSERT_TRUE(Call(stack_->records().stub(), &v1::RecordsService::Stub::GetRetentionPolicy,
                     AdminToken(kOrg), get, &policy)
                    .ok());
    v1::UpdateRetentionPolicyRequest update;
    *update.mutable_retention_policy() = policy;
    *update.mutable_retention_policy()->mutable_session_log_retention() =
        session::ToProtoDuration(retention);
    update.mutable_update_mask()->add_paths("session_log_retention");
    update.set_request_id(absl::StrCat("retention-", absl::ToInt64Seconds(retention)));
    v1::RetentionPolicy updated;
    const grpc::Status status =
        Call(stack_->records().stub(), &v1::RecordsService::Stub::UpdateRetentionPolicy,
             AdminToken(kOrg), update, &updated);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  grpc::Status GetSession(const std::string& name, v1::Session* out) {
    v1::GetSessionRequest get;
    get.set_name(name);
    return stack_->stub().GetSession(ContextWithToken(PersonToken(kFacilitator)).get(), get, out);
  }

  bool Listed(const std::string& name) {
    v1::ListSessionsRequest list;
    list.set_parent(kTeamName);
    list.set_page_size(1000);
    v1::ListSessionsResponse listed;
    const grpc::Status status = stack_->stub().ListSessions(
        ContextWithToken(PersonToken(kFacilitator)).get(), list, &listed);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const v1::Session& session : listed.sessions()) {
      if (session.name() == name) return true;
    }
    return false;
  }

  // Redis keys that still start with the session's keys.
  int64_t KeysLeft(const std::string& name) {
    absl::StatusOr<session::SessionKeys> keys = session::SessionKeys::For(name);
    int64_t left = 0;
    for (const std::string& key : {keys->log, keys->snapshot, keys->requests}) {
      auto exists = stack_->redis().client->CommandSync({"EXISTS", key});
      EXPECT_TRUE(exists.ok());
      left += exists.ok() ? exists->integer : 0;
    }
    return left;
  }

  std::vector<v1::AuditEntry> PurgeAudits() {
    v1::ListAuditEntriesRequest list;
    list.set_parent("organizations/o1");
    list.set_filter("method = \"retention-purge\"");
    list.set_page_size(1000);
    v1::ListAuditEntriesResponse entries;
    const grpc::Status status =
        Call(stack_->records().stub(), &v1::RecordsService::Stub::ListAuditEntries,
             AuditorToken(kOrg), list, &entries);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {entries.audit_entries().begin(), entries.audit_entries().end()};
  }

  prometheus::Registry registry_;
  std::unique_ptr<SessionStack> stack_;
  std::unique_ptr<session::RedisEventLog> log_;
  std::unique_ptr<RecordsClient> records_;
  absl::Time now_ = absl::Now();
  std::unique_ptr<SessionLogPurge> purge_;
};

TEST_F(SessionRetentionTest, ALogStaysToItsRetentionThenGoesWholeAndAnswersLikeOneNeverCreated) {
  const std::string name = RecordedSessionName();
  const absl::Time stored = StoredAt(name);
  v1::Session before;
  ASSERT_GRPC_OK(GetSession(name, &before));
  const std::string record = before.session_record();

  // The default (30 days): a second before, nothing; the store time plus 30 days, gone.
  EXPECT_EQ(PurgeAt(stored + absl::Hours(24 * 30) - absl::Seconds(1)).purged, 0);
  v1::Session still;
  EXPECT_GRPC_OK(GetSession(name, &still));
  EXPECT_TRUE(Listed(name));
  EXPECT_EQ(PurgeAt(stored + absl::Hours(24 * 30)).purged, 1);

  v1::Session gone;
  const grpc::Status purged = GetSession(name, &gone);
  v1::Session never;
  const grpc::Status missing = GetSession(absl::StrCat(kTeamName, "/sessions/never"), &never);
  EXPECT_EQ(purged.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(purged.error_message(), missing.error_message());
  EXPECT_EQ(purged.error_details(), missing.error_details());
  EXPECT_FALSE(Listed(name));
  EXPECT_EQ(KeysLeft(name), 0);
  v1::ListSessionEventsRequest events;
  events.set_parent(name);
  v1::ListSessionEventsResponse listed;
  EXPECT_EQ(
      stack_->stub()
          .ListSessionEvents(ContextWithToken(PersonToken(kFacilitator)).get(), events, &listed)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  // A command on it (the replica's cached state is stale) answers the same.
  SessionDriver late(&stack_->stub());
  late.set_name(name);
  const grpc::Status joined = late.Join(kOtherCaseworker);
  EXPECT_EQ(joined.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(joined.error_message(), missing.error_message());

  // The record stays, under its own retention.
  v1::GetSessionRecordRequest get;
  get.set_name(record);
  v1::SessionRecord kept;
  EXPECT_TRUE(Call(stack_->records().stub(), &v1::RecordsService::Stub::GetSessionRecord,
                   FacilitatorToken(kOrg), get, &kept)
                  .ok());
  // Nothing left to redo.
  EXPECT_EQ(PurgeAt(stored + absl::Hours(24 * 31)).purged, 0);
}

TEST_F(SessionRetentionTest, TheOrganisationsPolicyDecidesAndEachPurgeIsAuditedOnceWithoutContent) {
  SetSessionLogRetention(absl::Hours(2));
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) names.push_back(RecordedSessionName());
  const absl::Time first = StoredAt(names.front());
  const absl::Time last = StoredAt(names.back());

  EXPECT_EQ(PurgeAt(first + absl::Hours(2) - absl::Milliseconds(1)).purged, 0);
  const SessionLogPurge::Pass pass = PurgeAt(last + absl::Hours(2));
  EXPECT_EQ(pass.purged, 5);  // in rounds of two
  EXPECT_EQ(pass.organizations, 1);
  for (const std::string& name : names) {
    v1::Session gone;
    EXPECT_EQ(GetSession(name, &gone).error_code(), grpc::StatusCode::NOT_FOUND) << name;
  }

  const std::vector<v1::AuditEntry> audits = PurgeAudits();
  ASSERT_EQ(audits.size(), names.size());
  for (const v1::AuditEntry& entry : audits) {
    EXPECT_NE(std::find(names.begin(), names.end(), entry.resource()), names.end());
    EXPECT_EQ(entry.actor(), "session-service");
    EXPECT_EQ(entry.retention_purge().rule(), "session_log_retention");
    EXPECT_EQ(entry.retention_purge().policy(), "organizations/o1/retentionPolicy");
    EXPECT_EQ(session::ToDuration(entry.retention_purge().retention()), absl::Hours(2));
    EXPECT_EQ(entry.finish_time().seconds(), absl::ToUnixSeconds(last + absl::Hours(2)));
    // What, when and which rule: nothing the session held.
    EXPECT_EQ(entry.SerializeAsString().find("postponed"), std::string::npos);
  }
}

TEST_F(SessionRetentionTest, NothingIsPurgedUnauditedWhileTheRecordsServiceIsAway) {
  const std::string name = RecordedSessionName();
  const absl::Time stored = StoredAt(name);
  stack_->StopRecords();
  const SessionLogPurge::Pass pass = PurgeAt(stored + absl::Hours(24 * 31));
  EXPECT_EQ(pass.purged, 0);
  EXPECT_EQ(pass.deferred, 1);
  EXPECT_EQ(KeysLeft(name), 3);
  ASSERT_TRUE(stack_->StartRecords());
  EXPECT_EQ(PurgeAt(stored + absl::Hours(24 * 31)).purged, 1);
  EXPECT_EQ(PurgeAudits().size(), 1u);
}

TEST_F(SessionRetentionTest, TwoPurgesTogetherDeleteAndAuditEachSessionOnce) {
  std::vector<std::string> names;
  for (int i = 0; i < 4; ++i) names.push_back(RecordedSessionName());
  const absl::Time when = StoredAt(names.back()) + absl::Hours(24 * 30);
  session::SessionLogPurgeOptions options;
  options.interval = absl::ZeroDuration();
  options.batch = 1;
  prometheus::Registry other_registry;
  session::RedisEventLog other_log(*stack_->redis().client);
  SessionLogPurge other(
      other_registry, other_log, *records_, [when] { return when; }, options);
  now_ = when;
  std::future<absl::StatusOr<SessionLogPurge::Pass>> first =
      std::async(std::launch::async, [this] { return purge_->PurgeNow(); });
  absl::StatusOr<SessionLogPurge::Pass> second = other.PurgeNow();
  absl::StatusOr<SessionLogPurge::Pass> first_pass = first.get();
  ASSERT_TRUE(first_pass.ok() && second.ok());
  EXPECT_EQ(first_pass->purged + second->purged, 4);
  EXPECT_EQ(PurgeAudits().size(), 4u);
  for (const std::string& name : names) EXPECT_EQ(KeysLeft(name), 0) << name;
}

}  // namespace
}  // namespace casework::testing
