// WatchSession under load and faults: 50 watchers of one session while 1,000 sealed contributions
// are appended and Redis is killed (-9) and restarted twice — every watcher gets every event
// exactly once, in order, on a stream that stays open, and no frame carries another author's
// sealed text before the reveal; watchers that drop and resume at random points lose and repeat
// nothing; and a client that stops reading is cut off without holding up the others.
#include <algorithm>
#include <functional>
#include <memory>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"
#include "services/session/engine/testing/scenarios.h"
#include "tests/kit_test_support.h"
#include "tests/notification/notification_test_support.h"

namespace casework::notification::testing {
namespace {

constexpr char kMarker[] = "zq-";  // every sealed text is "zq-<author>-<letters>"
const std::vector<std::string> kViewers = {"f", "m1", "m2", "m3", "g"};
const std::vector<std::string> kAuthors = {"f", "m1", "m2", "m3"};  // g is the case giver

std::string Letters(int i) {
  std::string out;
  do {
    out.push_back(static_cast<char>('a' + i % 26));
    i /= 26;
  } while (i > 0);
  return out;
}

std::string SealedText(const std::string& author, int i) {
  return absl::StrCat(kMarker, author, "-", Letters(i));
}

// Authors of the sealed texts a serialized frame carries.
std::vector<std::string> SealedAuthorsIn(absl::string_view bytes) {
  std::vector<std::string> authors;
  for (size_t at = bytes.find(kMarker); at != absl::string_view::npos;
       at = bytes.find(kMarker, at + 1)) {
    absl::string_view rest = bytes.substr(at + 3);
    authors.emplace_back(rest.substr(0, rest.find('-')));
  }
  return authors;
}

// A session in intervision's silent-writing step with everything appended so far.
void SilentWritingSession(NotificationTestEnv& env, EngineHarness& h) {
  ASSERT_TRUE(session::testing::IntervisionAt(h, "state_problem").ok());
  ASSERT_TRUE(env.AppendNew(h).ok());
}

// Adds `count` sealed associations, one command each, appended one by one; runs `at(i)` before
// the i-th and `appended(i)` once it is durable. `padding` words make the frames large.
void AddSealed(NotificationTestEnv& env, EngineHarness& h, int first, int count,
               const std::function<void(int)>& at = nullptr, int padding = 0,
               const std::function<void(int)>& appended = nullptr) {
  std::string filler;
  for (int w = 0; w < padding; ++w) filler += " calm";
  for (int i = first; i < first + count; ++i) {
    if (at) at(i);
    const std::string& author = kAuthors[i % kAuthors.size()];
    ASSERT_TRUE(
        h.Add(author, v1::CONTRIBUTION_KIND_ASSOCIATION, SealedText(author, i) + filler).ok());
    ASSERT_TRUE(env.AppendNew(h).ok()) << "event " << i;
    if (appended) appended(i);
  }
}

TEST(WatchSessionFanoutTest, FiftyWatchersThousandEventsTwoRedisKillsExactlyOnceNoLeaks) {
  auto env = NotificationTestEnv::Start();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  SilentWritingSession(*env, h);

  constexpr int kWatchers = 50;
  constexpr int kEvents = 1000;
  std::vector<std::unique_ptr<WatchClient>> watchers;
  for (int i = 0; i < kWatchers; ++i) {
    // Half replay the whole log, half start from the current position.
    watchers.push_back(std::make_unique<WatchClient>(env->stub(),
                                                     TokenFor(kViewers[i % kViewers.size()]),
                                                     kSession, i % 2 == 0 ? 0 : env->appended()));
  }
  const int64_t start = env->appended();
  const absl::Time began = absl::Now();
  int kills = 0;
  AddSealed(*env, h, 0, kEvents, [&](int i) {
    if (i == kEvents / 3 || i == 2 * kEvents / 3) {
      env->redis_server().Kill9();
      ASSERT_TRUE(env->redis_server().Restart().ok());
      ++kills;
    }
  });
  ASSERT_EQ(kills, 2);
  ASSERT_TRUE(h.Reveal("f").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  const int64_t reveal = env->appended();
  ASSERT_TRUE(h.End("f", "test over").ok());
  ASSERT_TRUE(h.MarkStored("organizations/acme/teams/t1/sessionRecords/r1").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  const int64_t last = env->appended();
  const absl::Time appended_all = absl::Now();
  for (auto& watcher : watchers) watcher->Wait();
  const absl::Time delivered_all = absl::Now();
  size_t frames_total = 0;
  for (auto& watcher : watchers) frames_total += watcher->frame_count();
  std::printf(
      "%zu frames to %d watchers in %.2f s (appends with 2 Redis kills: %.2f s; last "
      "watcher done %.1f ms after the last append)\n",
      frames_total, kWatchers, absl::ToDoubleSeconds(delivered_all - began),
      absl::ToDoubleSeconds(appended_all - began),
      absl::ToDoubleMilliseconds(delivered_all - appended_all));

  for (int i = 0; i < kWatchers; ++i) {
    const std::string& viewer = kViewers[i % kViewers.size()];
    const grpc::Status status = watchers[i]->Wait();
    EXPECT_TRUE(status.ok()) << "watcher " << i << ": " << status.error_code() << " "
                             << status.error_message();
    std::vector<ReceivedFrame> frames = watchers[i]->frames();
    std::vector<int64_t> sequences = Sequences(frames);
    const int64_t after = i % 2 == 0 ? 0 : start;
    ASSERT_EQ(static_cast<int64_t>(sequences.size()), last - after) << "watcher " << i;
    for (size_t k = 0; k < sequences.size(); ++k) {
      ASSERT_EQ(sequences[k], after + 1 + static_cast<int64_t>(k)) << "watcher " << i;
    }
    // Every frame scanned: before the reveal only the viewer's own sealed texts; the reveal
    // carries everyone's (so the scan can see a leak if there were one).
    int own = 0;
    for (const ReceivedFrame& received : frames) {
      const std::string bytes = received.frame.SerializeAsString();
      const int64_t sequence = received.frame.event().sequence();
      for (const std::string& author : SealedAuthorsIn(bytes)) {
        if (sequence < reveal) {
          ASSERT_EQ(author, viewer)
              << "watcher " << i << " saw " << author << "'s sealed text at sequence " << sequence;
          ++own;
        }
      }
      if (sequence == reveal) {
        std::vector<std::string> revealed = SealedAuthorsIn(bytes);
        for (const std::string& author : kAuthors) {
          EXPECT_NE(std::find(revealed.begin(), revealed.end(), author), revealed.end())
              << "the reveal did not carry " << author << "'s texts to watcher " << i;
        }
      }
    }
    if (viewer != "g") {
      EXPECT_EQ(own, kEvents / static_cast<int>(kAuthors.size()));
    }
  }
}

TEST(WatchSessionFanoutTest, RandomDisconnectsResumeWithoutLossOrRepeat) {
  auto env = NotificationTestEnv::Start();
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  SilentWritingSession(*env, h);
  const unsigned seed = std::random_device{}();
  std::mt19937 random(seed);
  SCOPED_TRACE(absl::StrCat("seed ", seed));

  constexpr int kResumers = 8;
  constexpr int kEvents = 300;
  struct Resumer {
    std::vector<int64_t> received;
    std::unique_ptr<WatchClient> client;
    int reconnects = 0;
  };
  std::vector<Resumer> resumers(kResumers);
  auto reconnect = [&](Resumer& r, int index) {
    const int64_t after = r.received.empty() ? 0 : r.received.back();
    r.client = std::make_unique<WatchClient>(
        env->stub(), TokenFor(kViewers[index % kViewers.size()]), kSession, after,
        /*stop_after=*/1 + static_cast<int>(random() % 60));
  };
  auto harvest = [&](Resumer& r) {
    r.client->Cancel();  // at whatever point it has reached
    r.client->Wait();
    for (int64_t sequence : Sequences(r.client->frames())) r.received.push_back(sequence);
    ++r.reconnects;
  };
  for (int i = 0; i < kResumers; ++i) reconnect(resumers[i], i);
  AddSealed(*env, h, 0, kEvents, [&](int i) {
    if (i % 25 != 0) return;
    for (int k = 0; k < kResumers; ++k) {  // drop and resume every watcher now and then
      harvest(resumers[k]);
      reconnect(resumers[k], k);
    }
  });
  ASSERT_TRUE(h.End("f", "test over").ok());
  ASSERT_TRUE(h.MarkStored("organizations/acme/teams/t1/sessionRecords/r1").ok());
  ASSERT_TRUE(env->AppendNew(h).ok());
  const int64_t last = env->appended();
  for (int k = 0; k < kResumers; ++k) {
    Resumer& r = resumers[k];
    // Resume until the stream ends by itself (OK after the record).
    for (;;) {
      grpc::Status status = r.client->Wait();
      harvest(r);
      if (status.ok()) break;
      ASSERT_EQ(status.error_code(), grpc::StatusCode::CANCELLED) << status.error_message();
      r.client =
          std::make_unique<WatchClient>(env->stub(), TokenFor(kViewers[k % kViewers.size()]),
                                        kSession, r.received.empty() ? 0 : r.received.back());
    }
    ASSERT_EQ(static_cast<int64_t>(r.received.size()), last) << "resumer " << k;
    for (int64_t i = 0; i < last; ++i) ASSERT_EQ(r.received[i], i + 1) << "resumer " << k;
    EXPECT_GT(r.reconnects, 5);
  }
}

// Latencies (append → received) of the events with sequence in [from, to] seen by `client`.
std::vector<double> LatenciesMs(const WatchClient& client,
                                const absl::flat_hash_map<int64_t, absl::Time>& appended,
                                int64_t from, int64_t to) {
  std::vector<double> out;
  for (const ReceivedFrame& received : client.frames()) {
    const int64_t sequence = received.frame.event().sequence();
    auto it = appended.find(sequence);
    if (sequence < from || sequence > to || it == appended.end()) continue;
    out.push_back(absl::ToDoubleMilliseconds(received.received - it->second));
  }
  return out;
}

double Percentile(std::vector<double> values, int percent) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, values.size() * percent / 100)];
}

TEST(WatchSessionFanoutTest, AStalledClientIsCutOffWithItsPositionAndDoesNotHoldUpOthers) {
  NotificationServerOptions options;
  options.queue_capacity = 64;
  auto env = NotificationTestEnv::Start(options);
  ASSERT_NE(env, nullptr);
  EngineHarness h;
  SilentWritingSession(*env, h);

  constexpr int kReaders = 10;
  constexpr int kPhase = 200;
  constexpr int kPadding = 600;  // ~3 KB frames: the stalled client's transport window fills fast
  std::vector<std::unique_ptr<WatchClient>> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(std::make_unique<WatchClient>(
        env->stub(), TokenFor(kViewers[i % kViewers.size()]), kSession, env->appended()));
  }
  const int64_t first = env->appended() + 1;
  absl::flat_hash_map<int64_t, absl::Time> appended;
  // From the append's reply: Redis answers after the fsync, when it also sends the wake-up, so
  // this excludes the test's own (growing) snapshot writes and includes all of the delivery.
  auto record = [&](int) { appended[env->appended()] = absl::Now(); };
  struct Phase {
    int64_t from, to;
  };
  auto run_phase = [&](int index) {
    const int64_t from = env->appended() + 1;
    AddSealed(*env, h, index * kPhase, kPhase, nullptr, kPadding, record);
    return Phase{from, env->appended()};
  };
  // A: no stalled client.
  const Phase before = run_phase(0);
  // B: one live client that never reads, on its own connection without BDP probing so its
  // flow-control window stays at 64 KiB (on the readers' connection BDP grows it to megabytes).
  // (A client that stalls while replaying is never cut off: replay is pulled only as the client
  // makes room, so it holds one queue's worth at most.)
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto stalled_stub = v1::NotificationService::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", env->port()), grpc::InsecureChannelCredentials(), args));
  const int64_t stalled_from = env->appended();
  WatchClient stalled(*stalled_stub, TokenFor("m1"), kSession, stalled_from, 0, /*read=*/false);
  const Phase during = run_phase(1);
  // C: the stalled client has been cut off; the session's state is larger than in A and B.
  const Phase after = run_phase(2);
  for (auto& reader : readers) reader->WaitForFrames(after.to - first + 1);

  stalled.StartReading();
  const grpc::Status cut = stalled.Wait();
  EXPECT_EQ(cut.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << cut.error_message();
  EXPECT_EQ(ErrorReason(FromGrpcStatus(cut)), "WATCHER_TOO_SLOW");
  std::vector<int64_t> got = Sequences(stalled.frames());
  int64_t resume = 0;
  ASSERT_TRUE(absl::SimpleAtoi(ErrorMetadata(cut, "last_sequence"), &resume));
  ASSERT_FALSE(got.empty());
  // It received everything up to exactly the position the status names, contiguously.
  EXPECT_EQ(got.back(), resume);
  EXPECT_LT(resume, during.to);  // cut off during phase B
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], stalled_from + 1 + static_cast<int64_t>(i));
  }
  EXPECT_EQ(
      casework::testing::MetricValue(env->Metrics(), "casework_slow_watchers_disconnected_total"),
      1);

  std::vector<double> a, b, c;
  for (auto& reader : readers) {
    ASSERT_EQ(static_cast<int64_t>(reader->frame_count()), after.to - first + 1);
    for (double ms : LatenciesMs(*reader, appended, before.from, before.to)) a.push_back(ms);
    for (double ms : LatenciesMs(*reader, appended, during.from, during.to)) b.push_back(ms);
    for (double ms : LatenciesMs(*reader, appended, after.from, after.to)) c.push_back(ms);
  }
  // Every reader had everything (above) while the stalled client still held its stream. The
  // timing criterion (the others' p99 grows by at most 20 %) is a gate of script/bench (N4), with
  // and without the stalled client adjacent in time; in this parallel test run the percentiles
  // are noise-dominated, so they are printed for the record only.
  std::printf(
      "append reply -> received, %d readers, p50/p99 ms: A no stall %.2f/%.2f; B stalled client "
      "%.2f/%.2f; C after its cut-off %.2f/%.2f\n",
      kReaders, Percentile(a, 50), Percentile(a, 99), Percentile(b, 50), Percentile(b, 99),
      Percentile(c, 50), Percentile(c, 99));
}

}  // namespace
}  // namespace casework::notification::testing
