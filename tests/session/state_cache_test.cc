// The session runner's memory of states (bounded by sessions, bytes and idleness, least recently
// remembered forgotten first, newest version kept,
// moved out when nobody else holds it) and its snapshot policy: pure code, no Redis.
#include "services/session/state_cache.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace casework::session {
namespace {

using casework::v1::SessionEvent;
using casework::v1::SessionSnapshot;

std::shared_ptr<SessionSnapshot> StateAt(int64_t version) {
  auto state = std::make_shared<SessionSnapshot>();
  state->mutable_session()->set_version(version);
  return state;
}

SnapshotMark Weighing(size_t bytes) { return SnapshotMark{1, bytes, 0, true}; }

TEST(StateCacheTest, HoldsAtMostItsSessionsAndKeepsTheNewcomer) {
  StateCache cache(StateCacheLimits{3, 1 << 30});
  for (int i = 0; i < 5; ++i) cache.Remember(absl::StrCat("s", i), StateAt(1), Weighing(10));
  EXPECT_EQ(cache.sessions(), 3u);
  EXPECT_EQ(cache.bytes(), 30u);
  SessionSnapshot state;
  SnapshotMark mark;
  EXPECT_TRUE(cache.Take("s4", state, mark));
}

TEST(StateCacheTest, HoldsAtMostItsBytesAndForgetsAStateAloneOverThem) {
  StateCache cache(StateCacheLimits{1024, 1000});
  for (int i = 0; i < 4; ++i) cache.Remember(absl::StrCat("s", i), StateAt(1), Weighing(400));
  EXPECT_EQ(cache.sessions(), 2u);
  EXPECT_LE(cache.bytes(), 1000u);
  SessionSnapshot state;
  SnapshotMark mark;
  EXPECT_TRUE(cache.Take("s3", state, mark));  // the newcomer stays while others can go
  // The snapshot and tail both count.
  cache.Remember("big", StateAt(1), SnapshotMark{1, 600, 500, true});
  EXPECT_FALSE(cache.Take("big", state, mark));
  EXPECT_EQ(cache.sessions(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(StateCacheTest, OverABoundForgetsTheLeastRecentlyRememberedFirst) {
  StateCache cache(StateCacheLimits{3, 1 << 30});
  for (int i = 0; i < 3; ++i) cache.Remember(absl::StrCat("s", i), StateAt(1), Weighing(10));
  cache.Remember("s0", StateAt(2), Weighing(10));  // s0 is written to again
  cache.Remember("s3", StateAt(1), Weighing(10));
  SessionSnapshot state;
  SnapshotMark mark;
  EXPECT_FALSE(cache.Take("s1", state, mark));
  EXPECT_TRUE(cache.Take("s0", state, mark));
  EXPECT_TRUE(cache.Take("s2", state, mark));
  EXPECT_TRUE(cache.Take("s3", state, mark));
}

TEST(StateCacheTest, ForgetsSessionsNobodyWroteToForItsIdleTime) {
  absl::Time now = absl::FromUnixSeconds(1800000000);
  StateCache cache(StateCacheLimits{1024, 1 << 30, absl::Minutes(1)}, [&now] { return now; });
  cache.Remember("quiet", StateAt(1), Weighing(100));
  cache.Remember("busy", StateAt(1), Weighing(100));
  now += absl::Seconds(40);
  cache.Remember("busy", StateAt(2), Weighing(100));
  now += absl::Seconds(30);  // "quiet" idle 70 s, "busy" 30 s
  cache.Remember("new", StateAt(1), Weighing(100));
  EXPECT_EQ(cache.sessions(), 2u);
  EXPECT_EQ(cache.bytes(), 200u);
  SessionSnapshot state;
  SnapshotMark mark;
  EXPECT_FALSE(cache.Take("quiet", state, mark));
  EXPECT_TRUE(cache.Take("busy", state, mark));
  EXPECT_EQ(state.session().version(), 2);
}

TEST(StateCacheTest, KeepsTheNewestVersionOfASession) {
  StateCache cache;
  cache.Remember("s", StateAt(5), Weighing(10));
  cache.Remember("s", StateAt(4), Weighing(20));  // an older append settling late
  SessionSnapshot state;
  SnapshotMark mark;
  ASSERT_TRUE(cache.Take("s", state, mark));
  EXPECT_EQ(state.session().version(), 5);
  EXPECT_EQ(mark.bytes, 10u);
  EXPECT_FALSE(cache.Take("s", state, mark));  // taken out: the next command loads
}

TEST(StateCacheTest, TakesByMoveOnlyWhenNobodyElseHoldsTheState) {
  StateCache cache;
  auto held = StateAt(7);
  held->mutable_session()->set_name("held by a reply");
  cache.Remember("s", held, Weighing(10));
  SessionSnapshot state;
  SnapshotMark mark;
  ASSERT_TRUE(cache.Take("s", state, mark));
  EXPECT_EQ(state.session().name(), "held by a reply");
  EXPECT_EQ(held->session().name(), "held by a reply");  // copied: the reply still reads it

  cache.Remember("s", StateAt(8), Weighing(10));
  ASSERT_TRUE(cache.Take("s", state, mark));
  EXPECT_EQ(state.session().version(), 8);
}

TEST(StateCacheTest, TheMarkLearnsTheStoredSnapshotsSizeOnlyAtItsVersion) {
  StateCache cache;
  cache.Remember("s", StateAt(9), SnapshotMark{9, 5000, 0, true});
  cache.SnapshotStored("s", 8, 1);  // an older snapshot: not where the mark stands
  cache.SnapshotStored("s", 9, 4321);
  SessionSnapshot state;
  SnapshotMark mark;
  ASSERT_TRUE(cache.Take("s", state, mark));
  EXPECT_EQ(mark.bytes, 4321u);
}

TEST(SnapshotPolicyTest, DueWhenTheTailWeighsAsMuchAsTheSnapshotOrAPhaseTurns) {
  const SnapshotPolicy policy{1000};
  SessionEvent note;
  note.mutable_contribution_added();
  // The tail below both the minimum and the snapshot: not due.
  EXPECT_FALSE(SnapshotDue(policy, SnapshotMark{1, 5000, 999, true}, {note}));
  // The tail at the minimum but below a larger snapshot: not due; at the snapshot's size: due.
  EXPECT_FALSE(SnapshotDue(policy, SnapshotMark{1, 5000, 1000, true}, {note}));
  EXPECT_TRUE(SnapshotDue(policy, SnapshotMark{1, 5000, 5000, true}, {note}));
  // A small snapshot: the minimum decides.
  EXPECT_FALSE(SnapshotDue(policy, SnapshotMark{1, 10, 999, true}, {note}));
  EXPECT_TRUE(SnapshotDue(policy, SnapshotMark{1, 10, 1000, true}, {note}));
  // Phase boundaries and the end: due whatever the tail.
  for (int kind = 0; kind < 3; ++kind) {
    SessionEvent boundary;
    if (kind == 0) boundary.mutable_phase_started();
    if (kind == 1) boundary.mutable_phase_ended();
    if (kind == 2) boundary.mutable_session_ended();
    EXPECT_TRUE(SnapshotDue(policy, SnapshotMark{1, 5000, 0, true}, {note, boundary})) << kind;
  }
}

}  // namespace
}  // namespace casework::session
