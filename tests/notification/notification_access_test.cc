// Need-to-know in the notification service, over real gRPC with the real records service and a
// private redis-server: WatchSession admits a caller only when the team's member list names them
// and they take part in the session — anyone else gets, byte for byte and without a frame, the
// answer for a missing session; a participant taken off the list has their open stream ended the
// same way within the member list's ttl plus one records deadline, while a records outage cuts
// no open stream but admits nobody new; and WatchOrganization's team and supervisor notices go
// to the members and the supervisor the list names, whatever a token claims.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/status/errors.h"
#include "tests/notification/notification_test_support.h"

namespace casework::notification::testing {
namespace {

constexpr char kMissing[] = "organizations/acme/teams/t1/sessions/nope";
constexpr char kOrg[] = "organizations/acme";
constexpr absl::Duration kTtl = absl::Seconds(1);
constexpr absl::Duration kRecordsDeadline = absl::Seconds(2);
// What docs/ACCESS.md promises: the member list's ttl plus one records deadline.
constexpr absl::Duration kBound = absl::Seconds(3);  // kTtl + kRecordsDeadline

std::unique_ptr<NotificationTestEnv> StartEnv(absl::Duration records_deadline = kRecordsDeadline) {
  NotificationServerOptions options;
  options.members.ttl = kTtl;
  options.records.deadline = records_deadline;
  return NotificationTestEnv::Start(options);
}

// A Balint session (facilitator f, case owner o, members m1..m3) in Redis.
void CreateBalint(NotificationTestEnv& env, EngineHarness& h) {
  ASSERT_TRUE(session::testing::BalintLobby(h).ok());
  ASSERT_TRUE(env.AppendNew(h).ok());
}

// The answer `token` gets for a session that does not exist.
grpc::Status MissingAnswer(NotificationTestEnv& env, const std::string& token) {
  WatchClient missing(env.stub(), token, kMissing, 0);
  return missing.Wait();
}

void ExpectMissingAnswer(const grpc::Status& got, const grpc::Status& missing,
                         const std::string& who) {
  EXPECT_EQ(got.error_code(), grpc::StatusCode::NOT_FOUND) << who << ": " << got.error_message();
  EXPECT_EQ(got.error_code(), missing.error_code()) << who;
  EXPECT_EQ(got.error_message(), missing.error_message()) << who;
  EXPECT_EQ(got.error_details(), missing.error_details()) << who;
}

TEST(WatchSessionAccess, AClaimWithoutMembershipGetsExactlyTheMissingSessionAnswer) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  CreateBalint(*env, h);
  // m3 takes part in the session and keeps the t1 claim, but is off the member list; x never was
  // on it.
  ASSERT_TRUE(env->records().RemoveMember("m3").ok());
  for (const std::string subject : {"m3", "x"}) {
    WatchClient watcher(env->stub(), TokenFor(subject), kSession, 0);
    ExpectMissingAnswer(watcher.Wait(), MissingAnswer(*env, TokenFor(subject)), subject);
    EXPECT_EQ(watcher.frame_count(), 0u) << subject;
  }
  // A listed member without the claim gets nothing either.
  const std::string claimless = TokenFor("m1", "acme", {"member"}, {});
  WatchClient claimless_watcher(env->stub(), claimless, kSession, 0);
  ExpectMissingAnswer(claimless_watcher.Wait(), MissingAnswer(*env, claimless), "no claim");
  // A listed participant with the claim is served.
  WatchClient member(env->stub(), TokenFor("m1"), kSession, 0, /*stop_after=*/1);
  member.Wait();
  EXPECT_EQ(member.frame_count(), 1u);
}

TEST(WatchSessionAccess, TeamMembersWhoAreNotParticipantsGetTheMissingSessionAnswer) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  CreateBalint(*env, h);
  // The team's supervisor (on the list as such, and with the token role) and a caseworker of the
  // team: members who did not join the session.
  const std::vector<std::pair<std::string, std::string>> outsiders = {
      {"supervisor", TokenFor("s", "acme", {"supervisor"})}, {"caseworker", TokenFor("c1")}};
  for (const auto& [who, token] : outsiders) {
    WatchClient watcher(env->stub(), token, kSession, 0);
    ExpectMissingAnswer(watcher.Wait(), MissingAnswer(*env, token), who);
    EXPECT_EQ(watcher.frame_count(), 0u) << who;
  }
}

TEST(WatchSessionAccess, ARemovedParticipantsOpenStreamEndsNotFoundWithinTheBound) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  CreateBalint(*env, h);
  WatchClient removed(env->stub(), TokenFor("m1"), kSession, 0);
  WatchClient staying(env->stub(), TokenFor("m2"), kSession, 0);
  removed.WaitForFrames(env->appended());
  staying.WaitForFrames(env->appended());
  const grpc::Status missing = MissingAnswer(*env, TokenFor("m1"));

  ASSERT_TRUE(env->records().RemoveMember("m1").ok());
  const absl::Time taken_off = absl::Now();
  std::optional<grpc::Status> ended = removed.WaitWithin(kBound + absl::Seconds(10));
  const absl::Duration took = absl::Now() - taken_off;
  ASSERT_TRUE(ended.has_value()) << "the removed member's stream is still open";
  ExpectMissingAnswer(*ended, missing, "removed participant");
  EXPECT_LE(took, kBound) << "the stream ended " << took << " after the removal";

  // Everyone still on the list keeps their stream and what follows.
  ASSERT_TRUE(h.Start("f").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  EXPECT_TRUE(staying.WaitForFramesWithin(env->appended(), absl::Seconds(10)));
  EXPECT_FALSE(staying.WaitWithin(absl::ZeroDuration()).has_value());
  EXPECT_EQ(Sequences(staying.frames()).back(), env->appended());
}

TEST(WatchSessionAccess, ARecordsOutageKeepsOpenStreamsAndAdmitsNobodyNew) {
  auto env = StartEnv(/*records_deadline=*/absl::Milliseconds(300));
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  CreateBalint(*env, h);
  WatchClient watcher(env->stub(), TokenFor("m1"), kSession, 0);
  watcher.WaitForFrames(env->appended());

  env->records().Stop();
  // Member-list fetches keep failing past the ttl: wait until three more were started (each
  // starts once the one before has failed), then the stream must still be open and following.
  const int64_t before = env->server().members().fetches();
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (env->server().members().fetches() < before + 3 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));  // polling an observable counter, not timing
  }
  ASSERT_GE(env->server().members().fetches(), before + 3);
  EXPECT_FALSE(watcher.WaitWithin(absl::ZeroDuration()).has_value());
  ASSERT_TRUE(h.Start("f").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  EXPECT_TRUE(watcher.WaitForFramesWithin(env->appended(), absl::Seconds(10)));
  EXPECT_FALSE(watcher.WaitWithin(absl::ZeroDuration()).has_value());

  // A stale list admits nobody: new streams fail UNAVAILABLE, to be retried.
  WatchClient late(env->stub(), TokenFor("m2"), kSession, 0);
  const grpc::Status refused = late.Wait();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_EQ(ErrorReason(FromGrpcStatus(refused)), "DEPENDENCY_UNAVAILABLE");
  OrgWatchClient organization(env->stub(), TokenFor("m2"), kOrg, 0);
  EXPECT_EQ(organization.Wait().error_code(), grpc::StatusCode::UNAVAILABLE);
}

// The sequences of the notices a watcher received, as text.
std::vector<std::string> Notices(const OrgWatchClient& client) {
  std::vector<std::string> sequences;
  for (const auto& received : client.frames()) {
    sequences.push_back(absl::StrCat(received.frame.event().sequence()));
  }
  return sequences;
}

// Waits (bounded) until the watcher received the notice `sequence` or one after it.
bool WaitForSequence(const OrgWatchClient& client, int64_t sequence) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (true) {
    const auto frames = client.frames();
    if (!frames.empty() && frames.back().frame.event().sequence() >= sequence) return true;
    if (!client.WaitForFramesWithin(frames.size() + 1, give_up - absl::Now())) return false;
  }
}

bool Received(const OrgWatchClient& client, int64_t sequence) {
  for (const auto& received : client.frames()) {
    if (received.frame.event().sequence() == sequence) return true;
  }
  return false;
}

TEST(WatchOrganizationAccess, TeamAndSupervisorNoticesFollowTheMemberList) {
  auto env = StartEnv();
  ASSERT_NE(env, nullptr);
  const int64_t start = AppendNotice(env->redis_client(), "start", "user:nobody");
  ASSERT_GT(start, 0);
  // m1: listed member. x: the claim, not listed. s: listed supervisor, no supervisor token role.
  // m2: the supervisor token role, listed as a member only.
  OrgWatchClient member(env->stub(), TokenFor("m1"), kOrg, start);
  OrgWatchClient unlisted(env->stub(), TokenFor("x"), kOrg, start);
  OrgWatchClient supervisor(env->stub(), TokenFor("s", "acme", {"caseworker"}), kOrg, start);
  OrgWatchClient claimed_supervisor(env->stub(), TokenFor("m2", "acme", {"supervisor"}), kOrg,
                                    start);
  const int64_t team = AppendNotice(env->redis_client(), "team", "team:t1");
  const int64_t sup = AppendNotice(env->redis_client(), "supervisor", "supervisor:t1");
  const int64_t end = AppendNotice(env->redis_client(), "end", "user:m1,user:x,user:s,user:m2");
  for (OrgWatchClient* client : {&member, &unlisted, &supervisor, &claimed_supervisor}) {
    ASSERT_TRUE(WaitForSequence(*client, end));
  }
  auto as_text = [](std::vector<int64_t> sequences) {
    std::vector<std::string> out;
    for (int64_t sequence : sequences) out.push_back(absl::StrCat(sequence));
    return out;
  };
  EXPECT_EQ(Notices(member), as_text({team, end}));
  EXPECT_EQ(Notices(unlisted), as_text({end}));
  EXPECT_EQ(Notices(supervisor), as_text({team, sup, end}));
  EXPECT_EQ(Notices(claimed_supervisor), as_text({team, end}));

  // Taken off the list, m1 stops receiving the team's notices within the bound: no team notice
  // appended later than that reaches m1, while the stream stays open and what is addressed to m1
  // still arrives. Each round appends a team notice, then one to m1 alone (once it arrives, the
  // team notice has passed m1's stream); rounds follow the directory's fetches of the list, one
  // per ttl.
  ASSERT_TRUE(env->records().RemoveMember("m1").ok());
  const absl::Time taken_off = absl::Now();
  const absl::Time give_up = taken_off + kBound + absl::Seconds(10);
  absl::Time last_delivered = absl::InfinitePast();  // when the last team notice m1 got was sent
  bool stopped = false;
  for (int round = 0; !stopped && absl::Now() < give_up; ++round) {
    const int64_t fetched = env->server().members().fetches();
    const absl::Time sent = absl::Now();
    const int64_t to_team =
        AppendNotice(env->redis_client(), absl::StrCat("team-", round), "team:t1");
    const int64_t to_m1 = AppendNotice(env->redis_client(), absl::StrCat("m1-", round), "user:m1");
    ASSERT_TRUE(WaitForSequence(member, to_m1));
    stopped = !Received(member, to_team);
    if (!stopped) last_delivered = sent;
    while (!stopped && env->server().members().fetches() == fetched && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(20));  // polling an observable counter, not timing
    }
  }
  ASSERT_TRUE(stopped) << "m1 still receives the team's notices";
  EXPECT_LE(last_delivered - taken_off, kBound);
  const int64_t to_team = AppendNotice(env->redis_client(), "team-after", "team:t1");
  const int64_t to_m1 = AppendNotice(env->redis_client(), "m1-after", "user:m1");
  ASSERT_TRUE(WaitForSequence(member, to_m1));
  EXPECT_FALSE(Received(member, to_team));
  EXPECT_FALSE(member.WaitWithin(absl::ZeroDuration()).has_value());
  // The others still get the team's notices.
  ASSERT_TRUE(WaitForSequence(claimed_supervisor, to_team));
  EXPECT_TRUE(Received(claimed_supervisor, to_team));
}

}  // namespace
}  // namespace casework::notification::testing
