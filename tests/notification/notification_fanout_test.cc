// WatchSession under load and faults: 50 watchers per session (one session; ten with
// CASEWORK_LONG=1, fault suite E1) while 1,000 sealed contributions per session are appended and
// Redis is killed (-9) and restarted twice — every watcher gets every event exactly once, in
// order, on a stream that stays open, no frame carries another author's sealed text before the
// reveal, and resuming in a trimmed log gives a Resync, never a silent skip; watchers that drop and
// resume at random points lose and repeat nothing; and a client that stops reading is cut off
// without holding up the others.
#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/session_log/redis_event_log.h"
#include "libs/session_log/session_keys.h"
#include "libs/status/errors.h"
#include "libs/testing/figures.h"
#include "tests/kit_test_support.h"
#include "tests/notification/notification_test_support.h"

namespace casework::notification::testing {
namespace {

constexpr char kMarker[] = "zq-";  // every sealed text is "zq-<author>-<letters>"
const std::vector<std::string> kViewers = {"f", "m1", "m2", "m3", "g"};
const std::vector<std::string> kAuthors = {"f", "m1", "m2", "m3"};  // g is the case giver

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

// One session of the fan-out test under its own name: the harness's session ("…/sessions/s1")
// appended as "…/sessions/s<k>" (k < 10). The name has the same length, so replacing it in the
// serialized events and snapshot keeps them valid. Appends retry through Redis outages with the
// same request id, like NotificationTestEnv::AppendNew.
class NamedSession {
 public:
  NamedSession(redis::RedisClient& client, int k)
      : client_(client),
        log_(client),
        name_(absl::StrCat("organizations/acme/teams/t1/sessions/s", k)) {}

  const std::string& name() const { return name_; }
  int64_t appended() const { return appended_; }
  EngineHarness& harness() { return harness_; }

  absl::Status AppendNew() {
    const auto& events = harness_.log();
    if (static_cast<int64_t>(events.size()) == appended_) return absl::OkStatus();
    session::AppendRequest request;
    request.session_name = name_;
    request.expected_version = appended_;
    request.request_id = absl::StrCat("append-", appended_);
    request.fingerprint = request.request_id;
    for (size_t i = appended_; i < events.size(); ++i) {
      request.events.push_back(Renamed(events[i].SerializeAsString()));
    }
    if (appended_ == 0) {  // the pinned protocol, stored beside the snapshot
      v1::SessionSnapshot protocol_part;
      *protocol_part.mutable_protocol() = harness_.state().protocol();
      request.protocol = protocol_part.SerializeAsString();
    }
    for (int attempt = 0; attempt < 50; ++attempt) {
      std::promise<absl::StatusOr<session::AppendOutcome>> done;
      log_.Append(request, [&done](absl::StatusOr<session::AppendOutcome> outcome) {
        done.set_value(std::move(outcome));
      });
      absl::StatusOr<session::AppendOutcome> outcome = done.get_future().get();
      if (outcome.ok()) {
        appended_ = static_cast<int64_t>(events.size());
        return absl::OkStatus();
      }
      if (!absl::IsUnavailable(outcome.status())) return outcome.status();
      client_.WaitUntilHealthy(absl::Seconds(5));  // an outage: wait for Redis, then retry
    }
    return absl::UnavailableError("redis stayed unavailable");
  }

  // Stores the session part of a snapshot at the appended version, as the session service does
  // on its snapshot policy (a log trimmed below it is then still readable from the snapshot).
  absl::Status StoreSnapshot() {
    v1::SessionSnapshot session_part = harness_.state();
    session_part.clear_protocol();
    std::promise<absl::StatusOr<bool>> done;
    log_.StoreSnapshot(name_, appended_, Renamed(session_part.SerializeAsString()),
                       [&done](absl::StatusOr<bool> stored) { done.set_value(std::move(stored)); });
    return done.get_future().get().status();
  }

 private:
  std::string Renamed(std::string bytes) const {
    const std::string from(kSession);
    for (size_t at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at + 1)) {
      bytes.replace(at, from.size(), name_);
    }
    return bytes;
  }

  redis::RedisClient& client_;
  session::RedisEventLog log_;
  const std::string name_;
  EngineHarness harness_;
  int64_t appended_ = 0;
};

// Fault suite E1. Short form: one session; CASEWORK_LONG=1: ten sessions. Per session 50 watchers
// (half replaying the whole log, half from the current position) while 1,000 sealed contributions
// are appended, with Redis killed (-9) and restarted twice: every watcher gets every event of its
// session exactly once and in order on a stream that stays open, and no frame carries another
// author's sealed text before the reveal. Then part of a log is trimmed and watchers resuming in
// the trimmed part must get a Resync (POSITION_TRIMMED) first — never a silent skip.
TEST(WatchSessionFanoutTest, FiftyWatchersThousandEventsTwoRedisKillsExactlyOnceNoLeaks) {
  const int sessions = casework::testing::LongForm() ? 10 : 1;
  auto env = NotificationTestEnv::Start();
  ASSERT_NE(env, nullptr);
  constexpr int kWatchers = 50;
  constexpr int kEvents = 1000;
  std::vector<std::unique_ptr<NamedSession>> named;
  for (int k = 0; k < sessions; ++k) {
    named.push_back(std::make_unique<NamedSession>(env->redis_client(), sessions == 1 ? 1 : k));
    ASSERT_TRUE(session::testing::IntervisionAt(named[k]->harness(), "state_problem").ok());
    ASSERT_TRUE(named[k]->AppendNew().ok());
  }
  std::vector<std::unique_ptr<WatchClient>> watchers;  // watcher w watches session w / kWatchers
  std::vector<int64_t> start(sessions);
  for (int k = 0; k < sessions; ++k) {
    start[k] = named[k]->appended();
    for (int i = 0; i < kWatchers; ++i) {
      watchers.push_back(
          std::make_unique<WatchClient>(env->stub(), TokenFor(kViewers[i % kViewers.size()]),
                                        named[k]->name(), i % 2 == 0 ? 0 : start[k]));
    }
  }
  // Each session's writer appends its events one command at a time; the test kills Redis when a
  // third and two thirds of all events are appended.
  const absl::Time began = absl::Now();
  std::atomic<int> progress{0}, failures{0};
  std::vector<int64_t> reveal(sessions), last(sessions);
  std::vector<std::thread> writers;
  for (int k = 0; k < sessions; ++k) {
    writers.emplace_back([&, k] {
      EngineHarness& h = named[k]->harness();
      for (int i = 0; i < kEvents && failures.load() == 0; ++i) {
        const std::string& author = kAuthors[i % kAuthors.size()];
        absl::Status added =
            h.Add(author, v1::CONTRIBUTION_KIND_ASSOCIATION, SealedText(author, i));
        if (added.ok()) added = named[k]->AppendNew();
        if (!added.ok()) {
          ADD_FAILURE() << named[k]->name() << " event " << i << ": " << added;
          ++failures;
        }
        ++progress;
      }
      bool ok = h.Reveal("f").ok() && named[k]->AppendNew().ok();
      reveal[k] = named[k]->appended();
      ok = ok && h.End("f", "test over").ok() &&
           h.MarkStored(absl::StrCat("organizations/acme/teams/t1/sessionRecords/r", k)).ok() &&
           named[k]->AppendNew().ok();
      last[k] = named[k]->appended();
      if (!ok) ++failures;
    });
  }
  int kills = 0;
  for (int at : {sessions * kEvents / 3, 2 * sessions * kEvents / 3}) {
    while (progress.load() < at && failures.load() == 0) {
      absl::SleepFor(absl::Milliseconds(1));  // polling the writers' progress
    }
    env->redis_server().Kill9();
    ASSERT_TRUE(env->redis_server().Restart().ok());
    ++kills;
  }
  for (std::thread& writer : writers) writer.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_EQ(kills, 2);
  const absl::Time appended_all = absl::Now();
  for (auto& watcher : watchers) watcher->Wait();
  const absl::Time delivered_all = absl::Now();
  size_t frames_total = 0;
  for (auto& watcher : watchers) frames_total += watcher->frame_count();
  std::printf(
      "%zu frames to %d watchers of %d sessions in %.2f s (appends with 2 Redis kills: %.2f s; "
      "last watcher done %.1f ms after the last append)\n",
      frames_total, kWatchers * sessions, sessions, absl::ToDoubleSeconds(delivered_all - began),
      absl::ToDoubleSeconds(appended_all - began),
      absl::ToDoubleMilliseconds(delivered_all - appended_all));

  int missed = 0, duplicated = 0, reordered = 0, leaks = 0, failed_streams = 0;
  for (size_t w = 0; w < watchers.size(); ++w) {
    const int k = static_cast<int>(w) / kWatchers;
    const int i = static_cast<int>(w) % kWatchers;
    const std::string& viewer = kViewers[i % kViewers.size()];
    const grpc::Status status = watchers[w]->Wait();
    EXPECT_TRUE(status.ok()) << "watcher " << w << ": " << status.error_code() << " "
                             << status.error_message();
    failed_streams += !status.ok();
    std::vector<ReceivedFrame> frames = watchers[w]->frames();
    std::vector<int64_t> sequences = Sequences(frames);
    const int64_t after = i % 2 == 0 ? 0 : start[k];
    std::set<int64_t> distinct(sequences.begin(), sequences.end());
    duplicated += static_cast<int>(sequences.size() - distinct.size());
    for (int64_t sequence = after + 1; sequence <= last[k]; ++sequence) {
      missed += distinct.count(sequence) == 0;
    }
    reordered += !std::is_sorted(sequences.begin(), sequences.end());
    EXPECT_EQ(static_cast<int64_t>(sequences.size()), last[k] - after) << "watcher " << w;
    for (size_t n = 0; n < sequences.size(); ++n) {
      ASSERT_EQ(sequences[n], after + 1 + static_cast<int64_t>(n)) << "watcher " << w;
    }
    // Every frame scanned: before the reveal only the viewer's own sealed texts; the reveal
    // carries everyone's (so the scan can see a leak if there were one).
    int own = 0;
    for (const ReceivedFrame& received : frames) {
      const std::string bytes = received.frame.SerializeAsString();
      const int64_t sequence = received.frame.event().sequence();
      for (const std::string& author : SealedAuthorsIn(bytes)) {
        if (sequence < reveal[k]) {
          EXPECT_EQ(author, viewer)
              << "watcher " << w << " saw " << author << "'s sealed text at sequence " << sequence;
          leaks += author != viewer;
          ++own;
        }
      }
      if (sequence == reveal[k]) {
        std::vector<std::string> revealed = SealedAuthorsIn(bytes);
        for (const std::string& author : kAuthors) {
          EXPECT_NE(std::find(revealed.begin(), revealed.end(), author), revealed.end())
              << "the reveal did not carry " << author << "'s texts to watcher " << w;
        }
      }
    }
    if (viewer != "g") {
      EXPECT_EQ(own, kEvents / static_cast<int>(kAuthors.size()));
    }
  }
  watchers.clear();

  // Trim the first half of each log; watchers resuming inside the trimmed part get a Resync
  // first and then the rest of the log, contiguously.
  int resyncs = 0, silent_skips = 0, resumed = 0;
  for (int k = 0; k < sessions; ++k) {
    ASSERT_TRUE(named[k]->StoreSnapshot().ok());
    const std::string log_key = session::SessionKeys::For(named[k]->name())->log;
    auto trimmed = env->redis_client().CommandSync(
        {"XTRIM", log_key, "MINID", absl::StrCat(last[k] / 2, "-1")});
    ASSERT_TRUE(trimmed.ok()) << trimmed.status();
    ASSERT_GT(trimmed->integer, 0) << log_key << " was not trimmed";
    for (int64_t after : {int64_t{0}, int64_t{1}, last[k] / 4}) {
      WatchClient late(env->stub(), TokenFor("m1"), named[k]->name(), after);
      const grpc::Status status = late.Wait();
      EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
      std::vector<ReceivedFrame> frames = late.frames();
      ++resumed;
      ASSERT_FALSE(frames.empty());
      if (!frames[0].frame.has_resync()) {
        ++silent_skips;
        ADD_FAILURE() << "resuming after " << after << " of " << named[k]->name()
                      << " started with sequence " << frames[0].frame.event().sequence();
        continue;
      }
      EXPECT_EQ(frames[0].frame.resync().reason(), v1::RESYNC_REASON_POSITION_TRIMMED);
      ++resyncs;
      std::vector<int64_t> sequences = Sequences(frames);
      EXPECT_EQ(sequences.back(), last[k]);
      for (size_t n = 1; n < sequences.size(); ++n) {
        EXPECT_EQ(sequences[n], sequences[0] + static_cast<int64_t>(n)) << named[k]->name();
      }
    }
  }
  casework::testing::PrintFigure(
      "E1",
      absl::StrCat(kills, " Redis kill -9 during ", sessions, " session(s) x ", kWatchers,
                   " watchers x ", kEvents, " sealed events (", frames_total, " frames): ", missed,
                   " missed, ", duplicated, " duplicated, ", reordered, " reordered, ",
                   failed_streams, " streams broken, ", leaks, " sealed-text leaks; ", resyncs, "/",
                   resumed, " resumes in trimmed logs got a Resync (POSITION_TRIMMED), ",
                   silent_skips, " silent skips"));
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
