// WatchOrganization and the organisation events derived from session logs: who gets which notice
// (and nobody else), each notice appended once even with two replicas deriving at the same time,
// derivation of what was appended while no notification service ran, the log surviving a Redis
// kill -9, resumption with after_sequence, the retention dropping what is older than a week, and
// the refusal of another organisation. The replay-then-live switch it shares with WatchSession
// (contiguous sequences, OUT_OF_RANGE, the answer for a dropped position, Redis outages, the
// shutdown end): notification_replay_test.cc.
#include <algorithm>
#include <cstdlib>
#include <future>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/status/errors.h"
#include "services/notification/org_event_log.h"
#include "tests/notification/notification_test_support.h"

namespace casework::notification::testing {
namespace {

constexpr char kOrg[] = "organizations/acme";

// Appends a notice addressed to `recipients` directly to the organisation's log: a marker that
// every earlier event has passed a watcher by the time it arrives.
int64_t AppendMarker(redis::RedisClient& client, const std::string& key,
                     const std::string& recipients, absl::Time at = absl::Now()) {
  OrgEventLog log(client);
  OrgEventToAppend marker;
  marker.dedup_key = key;
  marker.recipients = recipients;
  marker.event.set_team("organizations/acme/teams/t1");
  marker.event.mutable_meeting_due()->set_kind(v1::MEETING_KIND_REGULAR);
  std::promise<absl::StatusOr<int64_t>> done;
  log.Append("acme", "", 0, 0, {marker}, at,
             [&done](absl::StatusOr<int64_t> last) { done.set_value(std::move(last)); });
  absl::StatusOr<int64_t> last = done.get_future().get();
  return last.ok() ? *last : -1;
}

std::vector<StoredOrgEvent> ReadOrgLog(redis::RedisClient& client) {
  OrgEventLog log(client);
  std::promise<absl::StatusOr<std::vector<StoredOrgEvent>>> done;
  log.ReadAfter("acme", 0, 10000, [&done](absl::StatusOr<std::vector<StoredOrgEvent>> events) {
    done.set_value(std::move(events));
  });
  auto events = done.get_future().get();
  return events.ok() ? *std::move(events) : std::vector<StoredOrgEvent>{};
}

// Waits (bounded) until the organisation log holds `count` events derived from the session.
bool WaitForDerived(redis::RedisClient& client, size_t count) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up) {
    size_t derived = 0;
    for (const StoredOrgEvent& event : ReadOrgLog(client)) {
      if (!event.event.has_meeting_due()) ++derived;
    }
    if (derived >= count) return derived == count;
    absl::SleepFor(absl::Milliseconds(5));  // polling an observable condition, not timing
  }
  return false;
}

std::vector<v1::OrganizationEventKind> KindsOf(const OrgWatchClient& client) {
  std::vector<v1::OrganizationEventKind> kinds;
  for (const auto& received : client.frames()) kinds.push_back(KindOf(received.frame.event()));
  return kinds;
}

// Start, a time warning, an overrun, the end: four notices from one Balint session.
void RunSession(NotificationTestEnv& env, EngineHarness& h) {
  ASSERT_TRUE(h.Start("f").ok());
  ASSERT_TRUE(env.AppendNew(h).ok());
  h.AdvanceClock(absl::Minutes(14));
  ASSERT_TRUE(h.Tick().ok());
  ASSERT_TRUE(env.AppendNew(h).ok());
  h.AdvanceClock(absl::Minutes(2));
  ASSERT_TRUE(h.Tick().ok());
  ASSERT_TRUE(env.AppendNew(h).ok());
  ASSERT_TRUE(h.End("f", "a test").ok());
  ASSERT_TRUE(env.AppendNew(h).ok());
}

TEST(WatchOrganizationTest, NoticesReachTheirRecipientsOnlyAndAreAppendedOnceByTwoReplicas) {
  auto env = NotificationTestEnv::Start();
  ASSERT_NE(env, nullptr);
  // A second replica on the same Redis derives the same sessions at the same time.
  auto registry = std::make_shared<prometheus::Registry>();
  NotificationServerOptions second_options;
  second_options.redis.port = env->redis_server().port();
  second_options.records = env->records().ClientOptions();
  auto second = NotificationServer::Create(second_options, *registry);
  ASSERT_TRUE(second.ok());

  EngineHarness h;
  ASSERT_TRUE(session::testing::BalintLobby(h).ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  const int64_t start = AppendMarker(env->redis_client(), "start", "user:nobody");
  ASSERT_GT(start, 0);
  OrgWatchClient facilitator(env->stub(), TokenFor("f"), kOrg, start);
  OrgWatchClient member(env->stub(), TokenFor("m1"), kOrg, start);
  OrgWatchClient outsider(env->stub(), TokenFor("x", "acme", {"caseworker"}, {"t2"}), kOrg, start);
  OrgWatchClient warnings_only(env->stub(), TokenFor("f"), kOrg, start,
                               {v1::ORGANIZATION_EVENT_KIND_PHASE_TIME_WARNING});
  RunSession(*env, h);
  ASSERT_TRUE(WaitForDerived(env->redis_client(), 4));
  AppendMarker(env->redis_client(), "end", "user:f,user:m1,user:x");

  facilitator.WaitForFrames(5);
  member.WaitForFrames(3);
  outsider.WaitForFrames(1);
  warnings_only.WaitForFrames(1);
  using K = v1::OrganizationEventKind;
  EXPECT_EQ(KindsOf(facilitator), (std::vector<K>{v1::ORGANIZATION_EVENT_KIND_SESSION_STARTED,
                                                  v1::ORGANIZATION_EVENT_KIND_PHASE_TIME_WARNING,
                                                  v1::ORGANIZATION_EVENT_KIND_PHASE_OVERRUN,
                                                  v1::ORGANIZATION_EVENT_KIND_SESSION_ENDED,
                                                  v1::ORGANIZATION_EVENT_KIND_MEETING_DUE}));
  EXPECT_EQ(KindsOf(member), (std::vector<K>{v1::ORGANIZATION_EVENT_KIND_SESSION_STARTED,
                                             v1::ORGANIZATION_EVENT_KIND_SESSION_ENDED,
                                             v1::ORGANIZATION_EVENT_KIND_MEETING_DUE}));
  EXPECT_EQ(KindsOf(outsider), (std::vector<K>{v1::ORGANIZATION_EVENT_KIND_MEETING_DUE}));
  ASSERT_EQ(warnings_only.frame_count(), 1u);
  const v1::OrganizationEvent warning = warnings_only.frames()[0].frame.event();
  EXPECT_EQ(warning.phase_time_warning().session(), kSession);
  EXPECT_EQ(warning.team(), "organizations/acme/teams/t1");
  EXPECT_GT(warning.sequence(), start);
  // Sequences increase strictly on every stream.
  std::vector<int64_t> sequences;
  for (const auto& received : facilitator.frames())
    sequences.push_back(received.frame.event().sequence());
  EXPECT_TRUE(std::is_sorted(sequences.begin(), sequences.end()));
  EXPECT_EQ(std::adjacent_find(sequences.begin(), sequences.end()), sequences.end());

  // Exactly once in the log, although two replicas derived.
  std::map<int64_t, int> by_session_sequence;
  for (const StoredOrgEvent& event : ReadOrgLog(env->redis_client())) {
    const v1::OrganizationEvent& e = event.event;
    const int64_t s = e.has_session_started()      ? e.session_started().session_sequence()
                      : e.has_session_ended()      ? e.session_ended().session_sequence()
                      : e.has_phase_time_warning() ? e.phase_time_warning().session_sequence()
                      : e.has_phase_overrun()      ? e.phase_overrun().session_sequence()
                                                   : -1;
    if (s >= 0) ++by_session_sequence[s];
  }
  EXPECT_EQ(by_session_sequence.size(), 4u);
  for (const auto& [s, count] : by_session_sequence) EXPECT_EQ(count, 1) << "sequence " << s;
}

TEST(WatchOrganizationTest, DerivesWhatWasAppendedWhileNoServiceRanAndSurvivesARedisKill) {
  EngineHarness h;
  ASSERT_TRUE(session::testing::BalintLobby(h).ok());
  auto env = NotificationTestEnv::Start({}, [&h](NotificationTestEnv& e) {
    ASSERT_EQ(AppendMarker(e.redis_client(), "first", "user:nobody"), 1);
    ASSERT_TRUE(e.AppendNew(h).ok());
    ASSERT_TRUE(h.Start("f").ok());
    ASSERT_TRUE(e.AppendNew(h).ok());
  });
  ASSERT_NE(env, nullptr);
  ASSERT_TRUE(WaitForDerived(env->redis_client(), 1));  // start-up reconciliation found it
  const int64_t last = AppendMarker(env->redis_client(), "after", "user:f");
  ASSERT_EQ(last, 3);

  env->redis_server().Kill9();
  ASSERT_TRUE(env->redis_server().Restart().ok());
  ASSERT_TRUE(env->redis_client().WaitUntilHealthy(absl::Seconds(5)));
  // The log survived: resuming after the first marker replays what f is addressed by, in order.
  OrgWatchClient replay(env->stub(), TokenFor("f"), kOrg, 1);
  replay.WaitForFrames(2);
  replay.Cancel();
  EXPECT_EQ(replay.Wait().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_EQ(KindsOf(replay),
            (std::vector<v1::OrganizationEventKind>{v1::ORGANIZATION_EVENT_KIND_SESSION_STARTED,
                                                    v1::ORGANIZATION_EVENT_KIND_MEETING_DUE}));
  EXPECT_EQ(replay.frames().back().frame.event().sequence(), last);
  // The last position is still valid (not OUT_OF_RANGE) after the restart.
  OrgWatchClient at_end(env->stub(), TokenFor("f"), kOrg, last);
  EXPECT_EQ(AppendMarker(env->redis_client(), "later", "user:f"), last + 1);
  at_end.WaitForFrames(1);
  at_end.Cancel();
  EXPECT_EQ(at_end.Wait().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_EQ(at_end.frame_count(), 1u);
  EXPECT_EQ(at_end.frames()[0].frame.event().sequence(), last + 1);
}

TEST(WatchOrganizationTest, RefusesOtherOrganisations) {
  auto env = NotificationTestEnv::Start();
  ASSERT_NE(env, nullptr);
  OrgWatchClient foreign(env->stub(), TokenFor("f"), "organizations/other", 0);
  const grpc::Status status = foreign.Wait();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(status)), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(foreign.frame_count(), 0u);
}

// How many times Redis has run `command` (INFO commandstats), -1 when unreadable.
int64_t CommandCalls(redis::RedisClient& client, const std::string& command) {
  std::promise<absl::StatusOr<redis::RedisValue>> done;
  client.Command({"INFO", "commandstats"}, [&done](absl::StatusOr<redis::RedisValue> reply) {
    done.set_value(std::move(reply));
  });
  absl::StatusOr<redis::RedisValue> reply = done.get_future().get();
  if (!reply.ok()) return -1;
  const std::string field = absl::StrCat("cmdstat_", command, ":calls=");
  const size_t at = reply->str.find(field);
  if (at == std::string::npos) return 0;
  return std::strtoll(reply->str.c_str() + at + field.size(), nullptr, 10);
}

TEST(WatchOrganizationTest, QuietCommandsWriteNothingToTheOrganisationLog) {
  auto env = NotificationTestEnv::Start();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  ASSERT_TRUE(session::testing::BalintLobby(h).ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  ASSERT_TRUE(h.Start("f").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  ASSERT_TRUE(WaitForDerived(env->redis_client(), 1));
  const int64_t before = CommandCalls(env->redis_client(), "evalsha");
  ASSERT_GT(before, 0);

  // Sixteen commands no organisation event comes from, each its own append (one EVALSHA each),
  // then the end, which is a notice: the deriver's one read of the session and one write (two
  // more EVALSHAs) for all of them.
  constexpr int kQuiet = 16;
  for (int i = 0; i < kQuiet / 2; ++i) {
    ASSERT_TRUE(h.Pause("f").ok());
    ASSERT_TRUE(env->AppendNew(h).ok());
    ASSERT_TRUE(h.Resume("f").ok());
    ASSERT_TRUE(env->AppendNew(h).ok());
  }
  ASSERT_TRUE(h.End("f", "a test").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  ASSERT_TRUE(WaitForDerived(env->redis_client(), 2));
  EXPECT_EQ(CommandCalls(env->redis_client(), "evalsha") - before, kQuiet + 1 + 2)
      << "the deriver wrote for quiet commands";
}

// The append drops what is older than the retention; a watcher that needs it is told so
// (notification_replay_test.cc has the answer in full).
TEST(WatchOrganizationTest, TheRetentionDropsWhatIsOlderThanAWeekAndAWatcherNeedingItIsTold) {
  auto env = NotificationTestEnv::Start();
  ASSERT_NE(env, nullptr);
  // Two notices appended eight days ago; the next append (now) drops them (kept 7 days).
  const absl::Time eight_days_ago = absl::Now() - absl::Hours(24 * 8);
  ASSERT_EQ(AppendMarker(env->redis_client(), "old-1", "user:f", eight_days_ago), 1);
  ASSERT_EQ(AppendMarker(env->redis_client(), "old-2", "user:f", eight_days_ago), 2);
  ASSERT_EQ(AppendMarker(env->redis_client(), "new-3", "user:f"), 3);
  std::vector<int64_t> kept;
  for (const StoredOrgEvent& event : ReadOrgLog(env->redis_client())) {
    kept.push_back(event.event.sequence());
  }
  EXPECT_EQ(kept, std::vector<int64_t>{3});

  // Resuming after 1 needs 2, which is gone: an explicit OUT_OF_RANGE, not a stream starting at 3.
  OrgWatchClient dropped(env->stub(), TokenFor("f"), kOrg, 1);
  const grpc::Status status = dropped.Wait();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE) << status.error_message();
  EXPECT_EQ(ErrorMetadata(status, "first_sequence"), "3");
  EXPECT_EQ(dropped.frame_count(), 0u);
}

}  // namespace
}  // namespace casework::notification::testing
