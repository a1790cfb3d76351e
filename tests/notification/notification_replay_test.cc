// The replay-then-live switch both feeds share (services/notification/replay_feed.h), one set of
// tests run against each: WatchSession over a session's log and WatchOrganization over an
// organisation's, over real gRPC and a private redis-server. A watcher that attaches while events
// are appended gets every event after its position exactly once, in order; a replay longer than
// the stream's queue is pulled as the client reads and never cut off; a position the log no
// longer holds gets the feed's explicit answer (a Resync; OUT_OF_RANGE) and never a silent skip;
// a position beyond the log is OUT_OF_RANGE; streams stay open through a Redis outage and reads
// that failed during it are retried; shutdown ends every stream with its resume position. The
// machine alone, with a fake log: replay_feed_test.cc. What is particular to one feed stays in
// notification_watch_test.cc and notification_org_test.cc.
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/session_log/session_keys.h"
#include "libs/status/errors.h"
#include "services/notification/org_event_log.h"
#include "tests/kit_test_support.h"
#include "tests/notification/notification_test_support.h"

namespace casework::notification::testing {
namespace {

using casework::testing::WaitUntilServing;

constexpr absl::Duration kPatience = absl::Seconds(30);  // a bound for a failing test only

// WatchSession of kSession by participant m1. Every event of the session is a frame for them
// (projected), so sequences run without holes.
class SessionFeedDriver {
 public:
  using Client = WatchClient;
  static constexpr char kName[] = "Session";

  explicit SessionFeedDriver(NotificationTestEnv& env) : env_(env) {}

  // A session in intervision's silent writing, appended.
  absl::Status Create() {
    absl::Status created = session::testing::IntervisionAt(h_, "state_problem");
    return created.ok() ? env_.AppendNew(h_) : created;
  }
  // `count` more events (sealed associations), appended as one command, through Redis outages.
  // Answers the last sequence.
  int64_t Append(int count) {
    static const std::vector<std::string> authors = {"f", "m1", "m2", "m3"};
    for (int i = 0; i < count; ++i, ++added_) {
      const std::string& author = authors[added_ % authors.size()];
      EXPECT_TRUE(h_.Add(author, v1::CONTRIBUTION_KIND_ASSOCIATION,
                         absl::StrCat("zq-", author, "-", Letters(added_)))
                      .ok());
    }
    EXPECT_TRUE(env_.AppendNew(h_).ok());
    return env_.appended();
  }
  int64_t last() const { return env_.appended(); }

  std::unique_ptr<Client> Watch(int64_t after) {
    return std::make_unique<WatchClient>(env_.stub(), TokenFor("m1"), kSession, after);
  }
  static std::vector<int64_t> SequencesOf(const Client& client) {
    return Sequences(client.frames());
  }

  // The log keeps only the events after `through`; the snapshot at the last sequence stays.
  absl::Status TrimThrough(int64_t through) {
    absl::Status stored = env_.StoreSnapshot(h_);
    if (!stored.ok()) return stored;
    return env_.redis_client()
        .CommandSync({"XTRIM", session::SessionKeys::For(kSession)->log, "MINID",
                      absl::StrCat(through + 1, "-1")})
        .status();
  }

  // A Resync at the feed's position first (POSITION_TRIMMED), then the stream goes on.
  void ExpectTrimmedAnswer(Client& client, int64_t /*after*/, int64_t /*first_retained*/) {
    const int64_t last = this->last();
    ASSERT_TRUE(client.WaitForFramesWithin(1, kPatience));
    const int64_t next = Append(1);
    ASSERT_TRUE(client.WaitForFramesWithin(2, kPatience));
    client.Cancel();
    EXPECT_EQ(client.Wait().error_code(), grpc::StatusCode::CANCELLED);
    const std::vector<ReceivedFrame> frames = client.frames();
    ASSERT_EQ(frames.size(), 2u);
    ASSERT_TRUE(frames[0].frame.has_resync());
    EXPECT_EQ(frames[0].frame.resync().reason(), v1::RESYNC_REASON_POSITION_TRIMMED);
    EXPECT_EQ(frames[0].frame.resync().sequence(), last);
    EXPECT_EQ(frames[0].frame.resync().snapshot().version(), last);
    EXPECT_EQ(frames[1].frame.event().sequence(), next);
  }

 private:
  NotificationTestEnv& env_;
  EngineHarness h_;
  int added_ = 0;
};

// WatchOrganization of acme by f; every notice is addressed to f.
class OrgFeedDriver {
 public:
  using Client = OrgWatchClient;
  static constexpr char kName[] = "Organization";

  explicit OrgFeedDriver(NotificationTestEnv& env) : env_(env), log_(env.redis_client()) {}

  absl::Status Create() {
    return Append(1) == 1 ? absl::OkStatus() : absl::InternalError("append");
  }
  // `count` more notices to f, appended as one command, through Redis outages (the dedup keys make
  // a retry append nothing twice). Answers the last sequence.
  int64_t Append(int count) {
    std::vector<OrgEventToAppend> notices;
    for (int i = 0; i < count; ++i, ++added_) {
      OrgEventToAppend notice;
      notice.dedup_key = absl::StrCat("notice-", added_);
      notice.recipients = "user:f";
      notice.event.set_team(kTeam);
      notice.event.mutable_meeting_due()->set_kind(v1::MEETING_KIND_REGULAR);
      notices.push_back(std::move(notice));
    }
    for (int attempt = 0; attempt < 50; ++attempt) {
      std::promise<absl::StatusOr<int64_t>> done;
      log_.Append("acme", "", 0, 0, notices, absl::Now(),
                  [&done](absl::StatusOr<int64_t> last) { done.set_value(std::move(last)); });
      absl::StatusOr<int64_t> appended = done.get_future().get();
      if (appended.ok()) return last_ = *appended;
      if (!absl::IsUnavailable(appended.status())) break;
      env_.redis_client().WaitUntilHealthy(absl::Seconds(5));  // an outage: wait, then retry
    }
    ADD_FAILURE() << "could not append to the organisation log";
    return -1;
  }
  int64_t last() const { return last_; }

  std::unique_ptr<Client> Watch(int64_t after) {
    return std::make_unique<OrgWatchClient>(env_.stub(), TokenFor("f"), "organizations/acme",
                                            after);
  }
  static std::vector<int64_t> SequencesOf(const Client& client) {
    std::vector<int64_t> sequences;
    for (const auto& received : client.frames()) {
      sequences.push_back(received.frame.event().sequence());
    }
    return sequences;
  }

  // The log keeps only the events after `through` (what the retention does by age).
  absl::Status TrimThrough(int64_t through) {
    return env_.redis_client()
        .CommandSync(
            {"XTRIM", OrgKeys::For("acme").events, "MINID", absl::StrCat(through + 1, "-1")})
        .status();
  }

  // The end, OUT_OF_RANGE, naming what is retained; no frame.
  void ExpectTrimmedAnswer(Client& client, int64_t after, int64_t first_retained) {
    std::optional<grpc::Status> status = client.WaitWithin(kPatience);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->error_code(), grpc::StatusCode::OUT_OF_RANGE) << status->error_message();
    EXPECT_EQ(ErrorReason(FromGrpcStatus(*status)), "SEQUENCE_OUT_OF_RANGE");
    EXPECT_EQ(ErrorMetadata(*status, "requested_sequence"), absl::StrCat(after));
    EXPECT_EQ(ErrorMetadata(*status, "first_sequence"), absl::StrCat(first_retained));
    EXPECT_EQ(ErrorMetadata(*status, "last_sequence"), absl::StrCat(last()));
    EXPECT_EQ(client.frame_count(), 0u);
  }

 private:
  NotificationTestEnv& env_;
  OrgEventLog log_;
  int added_ = 0;
  int64_t last_ = 0;
};

struct FeedNames {
  template <typename Driver>
  static std::string GetName(int) {
    return Driver::kName;
  }
};

template <typename Driver>
class ReplayLiveTest : public ::testing::Test {
 protected:
  using Client = typename Driver::Client;

  void Start(NotificationServerOptions options = {}) {
    env_ = NotificationTestEnv::Start(options);
    ASSERT_NE(env_, nullptr);
    driver_ = std::make_unique<Driver>(*env_);
    ASSERT_TRUE(driver_->Create().ok());
  }

  // Waits until the client holds everything up to the log's last sequence, ends the stream and
  // checks it received exactly after + 1 … last, in order, and was never ended by the server.
  void ExpectEverythingOnceInOrder(Client& client, int64_t after,
                                   absl::Time deadline = absl::Now() + kPatience) {
    const int64_t last = driver_->last();
    const bool complete = client.WaitForFramesWithin(last - after, deadline - absl::Now());
    client.Cancel();
    const grpc::Status status = client.Wait();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED)
        << "the server ended the stream: " << status.error_message();
    ASSERT_TRUE(complete) << "after " << after << ": " << client.frame_count() << " of "
                          << last - after << " frames";
    const std::vector<int64_t> sequences = Driver::SequencesOf(client);
    ASSERT_EQ(static_cast<int64_t>(sequences.size()), last - after) << "after " << after;
    for (size_t i = 0; i < sequences.size(); ++i) {
      ASSERT_EQ(sequences[i], after + 1 + static_cast<int64_t>(i)) << "after " << after;
    }
  }

  std::unique_ptr<NotificationTestEnv> env_;
  std::unique_ptr<Driver> driver_;
};

using Feeds = ::testing::Types<SessionFeedDriver, OrgFeedDriver>;
TYPED_TEST_SUITE(ReplayLiveTest, Feeds, FeedNames);

// Watchers attach now and then while events are appended one by one, at the start, in the middle
// and at the end of what is there. The feeds read 8 events at a time, so a replay takes many
// reads while the feed reads the new events: each watcher's switch from replay to live meets the
// feed's reads at some point of its own.
TYPED_TEST(ReplayLiveTest, WatchersAttachingWhileEventsAreAppendedGetEveryEventOnceInOrder) {
  NotificationServerOptions options;
  options.feeds.feed.read_batch = 8;
  options.organizations.read_batch = 8;
  this->Start(options);
  this->driver_->Append(200);
  struct Attached {
    int64_t after;
    std::unique_ptr<typename TestFixture::Client> client;
  };
  std::vector<Attached> watchers;
  for (int i = 0; i < 150; ++i) {
    if (i % 15 == 0) {
      const int64_t last = this->driver_->last();
      for (int64_t after : {int64_t{1}, last / 2, last}) {
        watchers.push_back(Attached{after, this->driver_->Watch(after)});
      }
    }
    this->driver_->Append(1);
  }
  const absl::Time deadline = absl::Now() + kPatience;
  for (Attached& watcher : watchers) {
    this->ExpectEverythingOnceInOrder(*watcher.client, watcher.after, deadline);
  }
}

// The stream's queue holds 8 frames and the log 300 more events than the position: replay is
// pulled in batches of what the queue has room for, so the stream is never cut off for being
// slow, and the watcher then follows live.
TYPED_TEST(ReplayLiveTest, AReplayLongerThanTheQueueIsPulledAsTheClientReadsNeverCutOff) {
  NotificationServerOptions options;
  options.queue_capacity = 8;
  this->Start(options);
  this->driver_->Append(300);
  auto watcher = this->driver_->Watch(1);
  ASSERT_TRUE(watcher->WaitForFramesWithin(this->driver_->last() - 1, kPatience))
      << watcher->frame_count() << " frames, then "
      << watcher->WaitWithin(absl::ZeroDuration()).value_or(grpc::Status::OK).error_message();
  this->driver_->Append(1);
  this->ExpectEverythingOnceInOrder(*watcher, 1);
  EXPECT_EQ(casework::testing::MetricValue(this->env_->Metrics(),
                                           "casework_slow_watchers_disconnected_total"),
            0);
}

// The log keeps the last three events only: resuming before them gets the feed's explicit answer,
// never a stream that silently starts later; resuming right before the first kept event loses
// nothing.
TYPED_TEST(ReplayLiveTest, APositionTheLogNoLongerHoldsGetsAnExplicitAnswerNeverASkip) {
  this->Start();
  const int64_t last = this->driver_->Append(10);
  ASSERT_TRUE(this->driver_->TrimThrough(last - 3).ok());

  auto resumed = this->driver_->Watch(last - 3);
  this->ExpectEverythingOnceInOrder(*resumed, last - 3);
  auto trimmed = this->driver_->Watch(1);
  this->driver_->ExpectTrimmedAnswer(*trimmed, 1, last - 2);
}

TYPED_TEST(ReplayLiveTest, APositionBeyondTheLastSequenceIsOutOfRangeAndANegativeOneInvalid) {
  this->Start();
  const int64_t last = this->driver_->Append(2);
  auto ahead = this->driver_->Watch(last + 1);
  const grpc::Status status = ahead->Wait();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE) << status.error_message();
  EXPECT_EQ(ErrorReason(FromGrpcStatus(status)), "SEQUENCE_OUT_OF_RANGE");
  EXPECT_EQ(ErrorMetadata(status, "requested_sequence"), absl::StrCat(last + 1));
  EXPECT_EQ(ErrorMetadata(status, "last_sequence"), absl::StrCat(last));
  EXPECT_EQ(ahead->frame_count(), 0u);
  auto negative = this->driver_->Watch(-1);
  EXPECT_EQ(negative->Wait().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// Redis is killed (-9) under a live watcher; another watcher attaches while it is down, so its
// feed's reads fail until Redis is back. Both streams stay open and get everything, including
// what was appended right after the restart.
TYPED_TEST(ReplayLiveTest, StreamsStayOpenThroughARedisOutageAndFailedReadsAreRetried) {
  this->Start();
  this->driver_->Append(5);
  auto live = this->driver_->Watch(1);
  ASSERT_TRUE(live->WaitForFramesWithin(this->driver_->last() - 1, kPatience));

  this->env_->redis_server().Kill9();
  ASSERT_TRUE(WaitUntilServing(this->env_->channel(), NotificationServer::kServiceName,
                               absl::Seconds(5), /*want=*/false));
  auto attached_during = this->driver_->Watch(2);
  ASSERT_TRUE(this->env_->redis_server().Restart().ok());
  this->driver_->Append(1);  // may meet the service still reconnecting
  this->ExpectEverythingOnceInOrder(*live, 1);
  this->ExpectEverythingOnceInOrder(*attached_during, 2);
}

TYPED_TEST(ReplayLiveTest, ShutdownEndsStreamsUnavailableWithTheirResumePosition) {
  this->Start();
  const int64_t last = this->driver_->Append(3);
  auto watcher = this->driver_->Watch(1);
  ASSERT_TRUE(watcher->WaitForFramesWithin(last - 1, kPatience));
  this->env_->StopServer();
  const grpc::Status status = watcher->Wait();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ErrorReason(FromGrpcStatus(status)), "SERVER_SHUTTING_DOWN");
  EXPECT_EQ(ErrorMetadata(status, "last_sequence"), absl::StrCat(last));
}

}  // namespace
}  // namespace casework::notification::testing
