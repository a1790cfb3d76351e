// WatchSession's own contract, one property per test, over real gRPC and a private redis-server:
// the OK end after SessionRecordStored, who may watch (and that refusals look exactly like a
// missing session), the purge, a Resync as the viewer's projection, health following Redis, and
// the metrics. The replay-then-live switch it shares with WatchOrganization (contiguous
// sequences, OUT_OF_RANGE, the answer for a trimmed position, Redis outages, the shutdown end):
// notification_replay_test.cc.
#include <future>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/session_log/redis_event_log.h"
#include "libs/session_log/session_keys.h"
#include "libs/status/errors.h"
#include "tests/kit_test_support.h"
#include "tests/notification/notification_test_support.h"

namespace casework::notification::testing {
namespace {

using casework::testing::WaitUntilServing;

std::unique_ptr<NotificationTestEnv> StartEnv(size_t queue_capacity = 1024) {
  NotificationServerOptions options;
  options.queue_capacity = queue_capacity;
  return NotificationTestEnv::Start(options);
}

// A Balint session with facilitator f, case owner o and members m1..m3, appended to Redis.
void CreateBalint(NotificationTestEnv& env, EngineHarness& h) {
  ASSERT_TRUE(session::testing::BalintLobby(h).ok());
  ASSERT_TRUE(env.AppendNew(h).ok());
}

void ExpectContiguous(const std::vector<int64_t>& sequences, int64_t after, int64_t last) {
  ASSERT_EQ(static_cast<int64_t>(sequences.size()), last - after);
  for (size_t i = 0; i < sequences.size(); ++i) {
    ASSERT_EQ(sequences[i], after + 1 + static_cast<int64_t>(i)) << "frame " << i;
  }
}

TEST(WatchSessionTest, StreamsEndOkOnceTheRecordIsStored) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  CreateBalint(*env, h);
  const int64_t before = env->appended();

  WatchClient from_start(env->stub(), TokenFor("m1"), kSession, 0);
  from_start.WaitForFrames(before);  // the replay arrived; what follows is live
  ASSERT_TRUE(h.Start("f").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  ASSERT_TRUE(h.End("f", "ended early in a test").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  ASSERT_TRUE(h.MarkStored("organizations/acme/teams/t1/sessionRecords/r1").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  const int64_t last = env->appended();

  grpc::Status status = from_start.Wait();
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  ExpectContiguous(Sequences(from_start.frames()), 0, last);
  EXPECT_TRUE(from_start.frames().back().frame.event().has_session_record_stored());
  // The pinned template never leaves the server.
  EXPECT_FALSE(from_start.frames().front().frame.event().session_created().has_protocol());
  // A stream replaying a recorded session ends OK once it has everything.
  WatchClient from_middle(env->stub(), TokenFor("f"), kSession, before / 2);
  EXPECT_TRUE(from_middle.Wait().ok());
  ExpectContiguous(Sequences(from_middle.frames()), before / 2, last);

  // A stream opened at the very end of a recorded session ends OK at once.
  WatchClient at_end(env->stub(), TokenFor("m1"), kSession, last);
  EXPECT_TRUE(at_end.Wait().ok());
  EXPECT_EQ(at_end.frame_count(), 0u);
}

TEST(WatchSessionTest, OutsidersAndOtherOrganisationsGetExactlyTheMissingSessionAnswer) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  CreateBalint(*env, h);

  WatchClient missing(env->stub(), TokenFor("m1"), "organizations/acme/teams/t1/sessions/nope", 0);
  WatchClient outsider(env->stub(), TokenFor("x"), kSession, 0);
  WatchClient foreign(env->stub(), TokenFor("m1", "other-org"), kSession, 0);
  WatchClient foreign_missing(env->stub(), TokenFor("m1", "other-org"),
                              "organizations/acme/teams/t1/sessions/nope", 0);
  const grpc::Status absent = missing.Wait();
  EXPECT_EQ(absent.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(absent)), "RESOURCE_NOT_FOUND");
  for (WatchClient* refused : {&outsider, &foreign, &foreign_missing}) {
    const grpc::Status status = refused->Wait();
    EXPECT_EQ(status.error_code(), absent.error_code());
    EXPECT_EQ(status.error_message(), absent.error_message());
    EXPECT_EQ(status.error_details(), absent.error_details());
    EXPECT_EQ(refused->frame_count(), 0u);
  }
  // A participant of the same session is served.
  WatchClient member(env->stub(), TokenFor("m2"), kSession, 0, /*stop_after=*/1);
  member.Wait();
  EXPECT_EQ(member.frame_count(), 1u);
}

// Issue 18, retention: when the session service's purge deletes a session's live log, open
// watchers end NOT_FOUND at once (with their position), and a new watcher gets exactly the
// missing-session answer.
TEST(WatchSessionTest, APurgedSessionEndsItsWatchersNotFoundAndAnswersLikeOneNeverCreated) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  CreateBalint(*env, h);
  const int64_t appended = env->appended();
  WatchClient watcher(env->stub(), TokenFor("m1"), kSession, 0);
  watcher.WaitForFrames(appended);  // replayed; now live

  // What the purge sees: the session in the recorded set (the record-stored append puts it there).
  const absl::Time stored = absl::FromUnixMillis(absl::ToUnixMillis(absl::Now()));
  ASSERT_TRUE(env->redis_client()
                  .CommandSync({"ZADD", session::SharedKeys().recorded,
                                absl::StrCat(absl::ToUnixMillis(stored)), kSession})
                  .ok());
  session::RedisEventLog log(env->redis_client());
  std::promise<absl::StatusOr<bool>> purged;
  log.Purge(kSession, stored,
            [&purged](absl::StatusOr<bool> done) { purged.set_value(std::move(done)); });
  absl::StatusOr<bool> deleted = purged.get_future().get();
  ASSERT_TRUE(deleted.ok() && *deleted);

  const grpc::Status ended = watcher.Wait();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(ended)), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(watcher.frame_count(), static_cast<size_t>(appended));

  WatchClient after(env->stub(), TokenFor("m1"), kSession, 0);
  WatchClient never(env->stub(), TokenFor("m1"), "organizations/acme/teams/t1/sessions/nope", 0);
  const grpc::Status gone = after.Wait();
  const grpc::Status absent = never.Wait();
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(gone.error_message(), absent.error_message());
  EXPECT_EQ(gone.error_details(), absent.error_details());
  EXPECT_EQ(after.frame_count(), 0u);
}

// The Resync a trimmed position gets (notification_replay_test.cc) carries the viewer's
// projection of the snapshot, and what follows is projected for them too.
TEST(WatchSessionTest, AResyncIsTheViewersProjectionOfTheSnapshot) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  ASSERT_TRUE(session::testing::IntervisionAt(h, "state_problem").ok());
  ASSERT_TRUE(h.Add("m1", v1::CONTRIBUTION_KIND_ASSOCIATION, "zq-m1-hidden").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  const int64_t last = env->appended();
  ASSERT_TRUE(env->StoreSnapshot(h).ok());
  // Trimmed (by hand: log v2 never trims a live session's log) below the last three events.
  auto trimmed = env->redis_client().CommandSync(
      {"XTRIM", "cw:acme:{t1/s1}:log", "MINID", absl::StrCat(last - 2, "-1")});
  ASSERT_TRUE(trimmed.ok());

  WatchClient watcher(env->stub(), TokenFor("m2"), kSession, 1);
  watcher.WaitForFrames(1);
  ASSERT_TRUE(h.Add("m2", v1::CONTRIBUTION_KIND_ASSOCIATION, "zq-m2-own").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  watcher.WaitForFrames(2);
  watcher.Cancel();
  watcher.Wait();
  std::vector<ReceivedFrame> frames = watcher.frames();
  ASSERT_GE(frames.size(), 2u);
  ASSERT_TRUE(frames[0].frame.has_resync());
  const v1::Resync& resync = frames[0].frame.resync();
  EXPECT_EQ(resync.snapshot().version(), last);
  // The snapshot is the viewer's projection: m1's sealed association is withheld from m2.
  EXPECT_FALSE(absl::StrContains(resync.snapshot().SerializeAsString(), "zq-m1-hidden"));
  EXPECT_EQ(frames[1].frame.event().sequence(), last + 1);
  EXPECT_TRUE(absl::StrContains(frames[1].frame.SerializeAsString(), "zq-m2-own"));
  EXPECT_NE(casework::testing::MetricValue(env->Metrics(), "casework_watch_resyncs_total"), 0);
}

TEST(WatchSessionTest, HealthFollowsRedis) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  env->redis_server().Kill9();
  EXPECT_TRUE(WaitUntilServing(env->channel(), NotificationServer::kServiceName, absl::Seconds(3),
                               /*want=*/false));
  EXPECT_EQ(casework::testing::HealthStatus(env->channel(), ""), "SERVING");  // liveness
  ASSERT_TRUE(env->redis_server().Restart().ok());
  EXPECT_TRUE(WaitUntilServing(env->channel(), NotificationServer::kServiceName, absl::Seconds(5)));
}

TEST(WatchSessionTest, MetricsExistAtZeroAndCountDeliveries) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  const std::string before = env->Metrics();
  for (const char* series :
       {"casework_watchers", "casework_events_delivered_total", "casework_watch_resyncs_total",
        "casework_slow_watchers_disconnected_total", "casework_event_delivery_seconds_count"}) {
    EXPECT_EQ(casework::testing::MetricValue(before, series), 0) << series;
  }
  EngineHarness h;
  CreateBalint(*env, h);
  {
    WatchClient watcher(env->stub(), TokenFor("m1"), kSession, 0);
    watcher.WaitForFrames(env->appended());
    EXPECT_EQ(casework::testing::MetricValue(env->Metrics(), "casework_watchers"), 1);
    ASSERT_TRUE(h.Start("f").ok());
    ASSERT_TRUE(env->AppendNew(h).ok());
    watcher.WaitForFrames(env->appended());
    // The server counts a frame when its write completes, which may be just after the client read
    // it: poll the exposition (bounded) while the stream is open (a write that completes after
    // the client has gone counts as not delivered).
    const absl::Time give_up = absl::Now() + absl::Seconds(5);
    while (casework::testing::MetricValue(env->Metrics(), "casework_events_delivered_total") !=
               env->appended() &&
           absl::Now() < give_up) {
    }
    EXPECT_EQ(casework::testing::MetricValue(env->Metrics(), "casework_events_delivered_total"),
              env->appended());
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  std::string after = env->Metrics();
  while (casework::testing::MetricValue(after, "casework_watchers") != 0 && absl::Now() < give_up) {
    after = env->Metrics();
  }
  EXPECT_EQ(casework::testing::MetricValue(after, "casework_watchers"), 0);
  EXPECT_GT(casework::testing::MetricValue(after, "casework_event_delivery_seconds_count"), 0);
}

}  // namespace
}  // namespace casework::notification::testing
