// The replay-then-live machine (services/notification/replay_feed.h) on its own: a fake feed whose
// log is a list of sequences and whose reads the test answers one at a time, oldest first (as
// Redis does), and real StreamWriters whose writes the test completes (the client reading). Each
// test pins one rule of the machine: judged once caught up, batches only while the queue has room,
// the switch to live without gap or duplicate, the explicit answer for a position the log no longer
// holds, reads retried after a failure, the end of a complete log. What the two real feeds make
// of it over Redis and gRPC: notification_replay_test.cc.
#include "services/notification/replay_feed.h"

#include <grpcpp/support/server_callback.h>
#include <prometheus/registry.h>

#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "casework/v1/notification_service.pb.h"
#include "gtest/gtest.h"
#include "services/notification/notification_metrics.h"
#include "services/notification/stream_writer.h"

namespace casework::notification {
namespace {

using Response = casework::v1::WatchOrganizationResponse;  // the frames' content plays no part
using Stream = StreamWriter<Response>;

// What one watcher was sent, in order: "r5" replayed event 5, "l11" live event 11, "s10" a resync
// at 10.
struct FakeWatcher : FeedWatcher<Response> {
  using FeedWatcher::FeedWatcher;
  bool may_watch = true;
  std::vector<std::string> frames;                      // the test's thread only
  std::vector<std::pair<int64_t, size_t>> unavailable;  // (after, events retained from there)
};

// A reactor bound to no call: gRPC keeps what StartWrite and Finish ask for; the test completes
// the writes with StreamWriter::OnWriteDone.
class UnboundReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  void OnDone() override {}
  void OnCancel() override {}
};

struct PendingRead {
  int64_t after;
  int count;
  absl::AnyInvocable<void(absl::StatusOr<std::vector<int64_t>>) &&> done;
};

// Events are their sequences. Load and ReadAfter only record the request.
class FakeFeed final : public ReplayLiveFeed<FakeWatcher, int64_t> {
 public:
  explicit FakeFeed(ReplayFeedOptions options) : ReplayLiveFeed(std::move(options)) {}
  using ReplayLiveFeed::Watchers;

  std::vector<int64_t> log;  // what the log holds
  int loads = 0;
  std::deque<PendingRead> reads;
  bool complete = false;            // the log's last event closes it
  bool refuse_unavailable = false;  // end the stream instead of a resync

  void Append(int count) {
    const int64_t last = log.empty() ? last_trimmed_ : log.back();
    for (int i = 1; i <= count; ++i) log.push_back(last + i);
  }
  // The log no longer holds the events before `first`.
  void TrimBefore(int64_t first) {
    while (!log.empty() && log.front() < first) {
      last_trimmed_ = log.front();
      log.erase(log.begin());
    }
  }
  int64_t last() const { return log.empty() ? last_trimmed_ : log.back(); }

  void AnswerLoad() {
    ASSERT_GT(loads, 0);
    --loads;
    Loaded(last(), complete);
  }
  void FailLoad() {
    ASSERT_GT(loads, 0);
    --loads;
    ReadFailed();
  }
  // Answers the oldest read in flight from the log (as it stood when it held `as_of` last).
  void AnswerRead(int64_t as_of = std::numeric_limits<int64_t>::max()) {
    ASSERT_FALSE(reads.empty());
    PendingRead read = std::move(reads.front());
    reads.pop_front();
    std::vector<int64_t> events;
    for (int64_t sequence : log) {
      if (sequence > read.after && sequence <= as_of &&
          static_cast<int>(events.size()) < read.count) {
        events.push_back(sequence);
      }
    }
    std::move(read.done)(std::move(events));
  }
  void FailRead() {
    ASSERT_FALSE(reads.empty());
    PendingRead read = std::move(reads.front());
    reads.pop_front();
    std::move(read.done)(absl::UnavailableError("redis down"));
  }
  void Reanchor() { Reanchored(last(), complete); }
  // What a member-list re-check does to a viewer no longer listed.
  void Remove(const std::shared_ptr<FakeWatcher>& watcher) {
    Refuse(watcher, absl::NotFoundError("no longer a member"));
  }

 private:
  void Load() override { ++loads; }
  void ReadAfter(int64_t after, int count, ReadDone done) override {
    reads.push_back(PendingRead{after, count, std::move(done)});
  }
  int64_t SequenceOf(const int64_t& event) const override { return event; }
  bool TakeIn(const std::vector<int64_t>& events, int64_t /*position*/) override {
    for (const auto& watcher : Advance(events.back(), complete)) {
      for (int64_t event : events) Push(watcher, "l", event);
    }
    return true;
  }
  absl::Status Admit(const FakeWatcher& watcher) override {
    return watcher.may_watch ? absl::OkStatus() : absl::NotFoundError("no such log");
  }
  bool Replay(const std::shared_ptr<FakeWatcher>& watcher, const int64_t& event) override {
    return Push(watcher, "r", event);
  }
  void Unavailable(const std::shared_ptr<FakeWatcher>& watcher, int64_t after,
                   const std::vector<int64_t>& retained) override {
    watcher->unavailable.emplace_back(after, retained.size());
    if (refuse_unavailable) {
      Refuse(watcher, absl::OutOfRangeError("not retained"));
      return;
    }
    const int64_t position = Resynced(watcher);
    Push(watcher, "s", position);
  }

  bool Push(const std::shared_ptr<FakeWatcher>& watcher, const char* kind, int64_t sequence) {
    auto message = std::make_shared<Response>();
    message->mutable_event()->set_sequence(sequence);
    if (!watcher->stream->Push(Frame<Response>{std::move(message), sequence, absl::Now(), false})) {
      return false;
    }
    watcher->frames.push_back(absl::StrCat(kind, sequence));
    return true;
  }

  int64_t last_trimmed_ = 0;
};

// "r<from>" … "r<to>" (or another kind).
std::vector<std::string> Frames(const char* kind, int64_t from, int64_t to) {
  std::vector<std::string> frames;
  for (int64_t sequence = from; sequence <= to; ++sequence) {
    frames.push_back(absl::StrCat(kind, sequence));
  }
  return frames;
}

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class ReplayFeedTest : public ::testing::Test {
 protected:
  static constexpr int kBatch = 8;

  explicit ReplayFeedTest(bool zero_is_now = false) : metrics_(registry_) {
    ReplayFeedOptions options;
    options.read_batch = kBatch;
    options.log_owner = "fake";
    options.zero_is_now = zero_is_now;
    feed_ = std::make_shared<FakeFeed>(options);
  }

  std::shared_ptr<FakeWatcher> Watch(int64_t after, size_t capacity = 64) {
    reactors_.push_back(std::make_unique<UnboundReactor>());
    auto stream = std::make_shared<Stream>(reactors_.back().get(), capacity, metrics_, after);
    auto watcher = std::make_shared<FakeWatcher>(after, std::move(stream));
    feed_->Attach(watcher);
    return watcher;
  }

  // The feed loads and reads up to the log's end; every replay read the log answers at once.
  void CatchUp() {
    if (feed_->loads > 0) feed_->AnswerLoad();
    for (int answered = 0; !feed_->reads.empty(); ++answered) {
      if (answered == kMaxAnswers) {
        ADD_FAILURE() << "the feed keeps reading: " << feed_->reads.front().after;
        return;
      }
      feed_->AnswerRead();
    }
  }

  // The client reads what is queued; every read it triggers is answered.
  void ClientReadsAll(const std::shared_ptr<FakeWatcher>& watcher) {
    for (int answered = 0;; ++answered) {
      while (watcher->stream->queued() > 0) watcher->stream->OnWriteDone(true);
      if (feed_->reads.empty()) return;
      if (answered == kMaxAnswers) {
        ADD_FAILURE() << "the feed keeps reading: " << feed_->reads.front().after;
        return;
      }
      feed_->AnswerRead();
    }
  }

  static constexpr int kMaxAnswers = 1000;  // a feed reading more is stuck
  prometheus::Registry registry_;
  NotificationMetrics metrics_;
  std::vector<std::unique_ptr<UnboundReactor>> reactors_;  // outlive the streams
  std::shared_ptr<FakeFeed> feed_;
};

TEST_F(ReplayFeedTest, AWatcherIsJudgedOnlyOnceTheFeedHasCaughtUpThenReplaysThenTurnsLive) {
  feed_->Append(10);
  auto watcher = Watch(4);
  ASSERT_EQ(feed_->loads, 1);
  EXPECT_TRUE(feed_->reads.empty());
  feed_->AnswerLoad();
  // The feed reads on from where the log stood: nothing is replayed before that read is answered.
  ASSERT_EQ(feed_->reads.size(), 1u);
  EXPECT_EQ(feed_->reads.front().after, 10);
  EXPECT_EQ(feed_->reads.front().count, kBatch);
  feed_->AnswerRead();
  ASSERT_EQ(feed_->reads.size(), 1u);
  EXPECT_EQ(feed_->reads.front().after, 4);  // the replay, up to the feed's position
  EXPECT_EQ(feed_->reads.front().count, 6);
  feed_->AnswerRead();
  EXPECT_TRUE(feed_->reads.empty());

  feed_->Append(2);
  feed_->Wake();
  feed_->AnswerRead();
  EXPECT_EQ(watcher->frames, Frames("r", 5, 10) + Frames("l", 11, 12));
  EXPECT_FALSE(watcher->stream->finishing());
}

TEST_F(ReplayFeedTest, AWatcherAttachingDuringAReadIsJudgedByTheNextRead) {
  feed_->Append(10);
  auto first = Watch(10);
  CatchUp();
  feed_->Append(1);
  feed_->Wake();  // the wake-up of 11: a read is in flight; Redis runs it before 12 is appended
  feed_->Append(1);
  auto second = Watch(12);  // a client that saw 12 elsewhere attaches while the read is in flight
  feed_->AnswerRead(/*as_of=*/11);
  // Judged against 11, `second` would be OUT_OF_RANGE; it waits for the read its attach woke.
  EXPECT_FALSE(second->stream->finishing());
  feed_->AnswerRead();
  feed_->Append(1);
  feed_->Wake();
  feed_->AnswerRead();
  EXPECT_EQ(first->frames, Frames("l", 11, 13));
  EXPECT_EQ(second->frames, Frames("l", 13, 13));
  EXPECT_FALSE(second->stream->finishing());
}

TEST_F(ReplayFeedTest, ReplayIsPulledOnlyWhileTheQueueHasRoom) {
  feed_->Append(20);
  auto watcher = Watch(0, /*capacity=*/4);
  CatchUp();
  // One batch the size of the queue, then nothing until the client makes room.
  EXPECT_EQ(watcher->frames, Frames("r", 1, 4));
  EXPECT_TRUE(feed_->reads.empty());
  watcher->stream->OnWriteDone(true);  // 3 queued: more than half full
  EXPECT_TRUE(feed_->reads.empty());
  watcher->stream->OnWriteDone(true);  // 2 queued: on_room pulls what fits
  ASSERT_EQ(feed_->reads.size(), 1u);
  EXPECT_EQ(feed_->reads.front().after, 4);
  EXPECT_EQ(feed_->reads.front().count, 2);

  ClientReadsAll(watcher);
  feed_->Append(1);
  feed_->Wake();
  feed_->AnswerRead();
  EXPECT_EQ(watcher->frames, Frames("r", 1, 20) + Frames("l", 21, 21));
  EXPECT_FALSE(watcher->stream->finishing());  // never cut off for replaying
}

TEST_F(ReplayFeedTest, EventsReadLiveWhileAWatcherReplaysReachItOnceByReplay) {
  feed_->Append(10);
  auto watcher = Watch(0);
  feed_->AnswerLoad();
  feed_->AnswerRead();
  ASSERT_EQ(feed_->reads.size(), 1u);  // the replay's first batch, 1..8, in flight
  // Meanwhile the feed reads 11..13: the watcher is not live yet, so they are not pushed to it.
  feed_->Append(3);
  feed_->Wake();
  ASSERT_EQ(feed_->reads.size(), 2u);
  feed_->AnswerRead();  // replay 1..8; the next batch asks for 9..10, up to the feed's position
  feed_->AnswerRead();  // the feed's read: 11..13; the position moves on without the watcher
  EXPECT_EQ(watcher->frames, Frames("r", 1, 8));
  feed_->AnswerRead();  // replay 9..10; the position has moved, so 11..13 are replayed too
  feed_->AnswerRead();  // replay 11..13: the cursor meets the position, the watcher turns live
  EXPECT_TRUE(feed_->reads.empty());
  feed_->Append(1);
  feed_->Wake();
  feed_->AnswerRead();
  EXPECT_EQ(watcher->frames, Frames("r", 1, 13) + Frames("l", 14, 14));
}

TEST_F(ReplayFeedTest, AWatcherThatTurnedLiveGetsEverythingAfterItsCursorLive) {
  feed_->Append(10);
  auto early = Watch(10);
  CatchUp();  // live at once: nothing to replay
  auto late = Watch(3);
  feed_->Append(2);  // appended before the late watcher's judging read
  feed_->AnswerRead();
  // The read that judged the late watcher delivered 11..12 live to the early one only; the late
  // one replays them.
  ASSERT_EQ(feed_->reads.size(), 1u);
  EXPECT_EQ(feed_->reads.front().after, 3);
  EXPECT_EQ(feed_->reads.front().count, 8);
  feed_->AnswerRead();
  ASSERT_EQ(feed_->reads.size(), 1u);
  EXPECT_EQ(feed_->reads.front().after, 11);
  feed_->AnswerRead();
  feed_->Append(1);
  feed_->Wake();
  feed_->AnswerRead();
  EXPECT_EQ(early->frames, Frames("l", 11, 13));
  EXPECT_EQ(late->frames, Frames("r", 4, 12) + Frames("l", 13, 13));
}

TEST_F(ReplayFeedTest, AFailedReplayReadIsIssuedAgainByRetry) {
  feed_->Append(5);
  auto watcher = Watch(0);
  feed_->AnswerLoad();
  feed_->AnswerRead();
  feed_->FailRead();  // the replay's read
  EXPECT_TRUE(feed_->reads.empty());
  feed_->Retry();
  ASSERT_EQ(feed_->reads.size(), 1u);
  EXPECT_EQ(feed_->reads.front().after, 0);
  feed_->AnswerRead();
  feed_->Retry();  // nothing failed: nothing to issue
  EXPECT_TRUE(feed_->reads.empty());
  EXPECT_EQ(watcher->frames, Frames("r", 1, 5));
}

TEST_F(ReplayFeedTest, FailedLoadsAndReadsOfTheFeedAreIssuedAgainByRetry) {
  feed_->Append(3);
  auto watcher = Watch(0);
  feed_->FailLoad();
  feed_->Retry();
  ASSERT_EQ(feed_->loads, 1);
  CatchUp();
  EXPECT_EQ(watcher->frames, Frames("r", 1, 3));
  feed_->Append(2);
  feed_->Wake();
  feed_->FailRead();
  feed_->Retry();
  ASSERT_EQ(feed_->reads.size(), 1u);
  EXPECT_EQ(feed_->reads.front().after, 3);
  feed_->AnswerRead();
  EXPECT_EQ(watcher->frames, Frames("r", 1, 3) + Frames("l", 4, 5));
}

TEST_F(ReplayFeedTest, APositionTheLogNoLongerHoldsGoesToTheFeedsAnswerNeverASkip) {
  feed_->Append(10);
  feed_->TrimBefore(6);
  auto trimmed = Watch(2);
  CatchUp();
  ASSERT_EQ(trimmed->unavailable.size(), 1u);
  EXPECT_EQ(trimmed->unavailable[0], (std::pair<int64_t, size_t>{2, 5}));
  // The fake's answer is a resync at the position; the watcher goes on from there.
  EXPECT_EQ(trimmed->frames, std::vector<std::string>{"s10"});
  feed_->TrimBefore(11);  // nothing retained
  auto emptied = Watch(7);
  CatchUp();
  ASSERT_EQ(emptied->unavailable.size(), 1u);
  EXPECT_EQ(emptied->unavailable[0], (std::pair<int64_t, size_t>{7, 0}));
  feed_->Append(1);
  feed_->Wake();
  feed_->AnswerRead();
  EXPECT_EQ(trimmed->frames, (std::vector<std::string>{"s10", "l11"}));
  EXPECT_EQ(emptied->frames, (std::vector<std::string>{"s10", "l11"}));

  feed_->refuse_unavailable = true;
  auto ended = Watch(3);
  CatchUp();
  EXPECT_TRUE(ended->frames.empty());
  EXPECT_TRUE(ended->stream->finishing());
  EXPECT_TRUE(feed_->reads.empty());
}

TEST_F(ReplayFeedTest, APositionBeyondTheFeedAndARefusedViewerEndTheStreamWithoutAFrame) {
  feed_->Append(10);
  auto ahead = Watch(11);
  auto at_end = Watch(10);
  auto refused = Watch(0);
  refused->may_watch = false;
  CatchUp();
  EXPECT_TRUE(ahead->stream->finishing());
  EXPECT_TRUE(refused->stream->finishing());
  EXPECT_FALSE(at_end->stream->finishing());
  EXPECT_TRUE(ahead->frames.empty());
  EXPECT_TRUE(refused->frames.empty());
  feed_->Append(1);
  feed_->Wake();
  feed_->AnswerRead();
  EXPECT_TRUE(ahead->frames.empty());
  EXPECT_TRUE(refused->frames.empty());
  EXPECT_EQ(at_end->frames, Frames("l", 11, 11));
}

TEST_F(ReplayFeedTest, ARemovedWatcherGetsNothingMore) {
  feed_->Append(3);
  auto watcher = Watch(0);
  CatchUp();
  feed_->Remove(watcher);
  EXPECT_TRUE(feed_->Watchers().empty());
  feed_->Append(1);
  feed_->Wake();
  feed_->AnswerRead();
  EXPECT_EQ(watcher->frames, Frames("r", 1, 3));
  EXPECT_TRUE(watcher->stream->finishing());
}

TEST_F(ReplayFeedTest, ACompleteLogEndsEachStreamOnceItHasEverything) {
  feed_->Append(10);
  auto live = Watch(10);
  CatchUp();
  EXPECT_FALSE(live->stream->finishing());
  feed_->complete = true;  // the next event closes the log
  feed_->Append(1);
  feed_->Wake();
  feed_->AnswerRead();
  auto replaying = Watch(5);
  CatchUp();
  EXPECT_EQ(replaying->frames, Frames("r", 6, 11));
  EXPECT_TRUE(replaying->stream->finishing());  // once everything queued is written
  auto at_end = Watch(11);
  CatchUp();
  EXPECT_TRUE(at_end->frames.empty());
  EXPECT_TRUE(at_end->stream->finishing());
}

TEST_F(ReplayFeedTest, WakeUpsDuringAReadMakeOneMoreReadAndAFullBatchReadsOnAtOnce) {
  feed_->Append(2);
  auto watcher = Watch(2);
  CatchUp();
  feed_->Append(kBatch + 1);
  feed_->Wake();
  ASSERT_EQ(feed_->reads.size(), 1u);
  feed_->Wake();
  feed_->Wake();
  EXPECT_EQ(feed_->reads.size(), 1u);
  feed_->AnswerRead();  // a full batch: the next read follows at once
  ASSERT_EQ(feed_->reads.size(), 1u);
  EXPECT_EQ(feed_->reads.front().after, 2 + kBatch);
  feed_->AnswerRead();  // short: the wake-ups met during the read make one more
  ASSERT_EQ(feed_->reads.size(), 1u);
  EXPECT_EQ(feed_->reads.front().after, 3 + kBatch);
  feed_->AnswerRead();
  EXPECT_TRUE(feed_->reads.empty());
  EXPECT_EQ(watcher->frames, Frames("l", 3, 3 + kBatch));
}

TEST_F(ReplayFeedTest, AReanchoredFeedHandsItsReplayingAndLiveWatchersToTheAnswer) {
  feed_->Append(20);
  auto live = Watch(20);
  auto replaying = Watch(0);
  feed_->AnswerLoad();
  feed_->AnswerRead();  // the feed caught up: `live` is live, `replaying` reads 1..8
  feed_->AnswerRead();  // replay 1..8; the next batch (9..16) is asked for
  feed_->AnswerRead();  // the wake-up of the second attach: nothing new
  feed_->Append(1);
  feed_->Wake();
  feed_->AnswerRead();  // replay 9..16; the next batch (17..20) is asked for
  feed_->AnswerRead();  // the feed's read: 21, live
  ASSERT_EQ(feed_->reads.size(), 1u);
  ASSERT_EQ(feed_->reads.front().after, 16);
  feed_->Append(1);
  feed_->Reanchor();  // the feed found its log discontinued and stands at 22 now
  EXPECT_EQ(live->unavailable, (std::vector<std::pair<int64_t, size_t>>{{21, 0}}));
  EXPECT_EQ(replaying->unavailable, (std::vector<std::pair<int64_t, size_t>>{{16, 0}}));
  // The replay batch that was in flight is behind the resync: it is dropped, not pushed.
  CatchUp();
  feed_->Append(1);
  feed_->Wake();
  feed_->AnswerRead();
  EXPECT_EQ(live->frames, (std::vector<std::string>{"l21", "s22", "l23"}));
  EXPECT_EQ(replaying->frames, (Frames("r", 1, 16) + std::vector<std::string>{"s22", "l23"}));
}

TEST_F(ReplayFeedTest, TheFeedIsUnusedOnlyWithoutWatchersAndWithNothingInFlight) {
  feed_->Append(3);
  EXPECT_TRUE(feed_->Unused());
  auto gone = Watch(0);
  gone->stream->FinishNow(grpc::Status::CANCELLED);  // the client went away at once
  EXPECT_FALSE(feed_->Unused());                     // the feed's load is in flight
  feed_->AnswerLoad();
  feed_->AnswerRead();
  EXPECT_TRUE(feed_->Unused());
  auto watcher = Watch(0);
  EXPECT_FALSE(feed_->Unused());
  feed_->AnswerRead();
  ASSERT_EQ(feed_->reads.size(), 1u);  // a replay in flight
  feed_->FinishAll(absl::StatusCode::kUnavailable, "SERVER_SHUTTING_DOWN", "shutting down");
  EXPECT_TRUE(watcher->stream->finishing());
  EXPECT_TRUE(feed_->Unused());  // the replay's answer finds the stream ended
  feed_->AnswerRead();
  EXPECT_TRUE(watcher->frames.empty());
}

class ZeroIsNowTest : public ReplayFeedTest {
 protected:
  ZeroIsNowTest() : ReplayFeedTest(/*zero_is_now=*/true) {}
};

TEST_F(ZeroIsNowTest, AWatcherAtZeroGetsOnlyWhatFollowsThePosition) {
  feed_->Append(10);
  auto now = Watch(0);
  auto resumed = Watch(8);
  CatchUp();
  feed_->Append(1);
  feed_->Wake();
  feed_->AnswerRead();
  EXPECT_EQ(now->frames, Frames("l", 11, 11));
  EXPECT_EQ(resumed->frames, Frames("r", 9, 10) + Frames("l", 11, 11));
}

}  // namespace
}  // namespace casework::notification
