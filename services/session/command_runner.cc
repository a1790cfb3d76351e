// CommandRunner: one command's trip through log, engine and append, as a chain of callbacks on
// the Redis loop thread (the engine is pure CPU and never blocks).
#include "services/session/command_runner.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/errors.h"
#include "services/session/command_identity.h"
#include "services/session/quota_accounting.h"
#include "services/session/snapshot_layout.h"

namespace casework::session {
namespace {

using casework::v1::SessionCommand;
using casework::v1::SessionSnapshot;

constexpr int kMaxAttempts = 16;

}  // namespace

// One run of one command; deletes itself when it answers.
class CommandRun {
 public:
  friend class CommandRunner;

  CommandRun(CommandRunner& runner, std::string name, SessionCommand command,
             casework::v1::Principal principal, OutcomeCallback done)
      : runner_(runner),
        name_(std::move(name)),
        command_(std::move(command)),
        principal_(std::move(principal)),
        done_(std::move(done)),
        request_id_(CommandRequestId(command_)),
        fingerprint_(Fingerprint(command_, principal_)) {}

  void Start() {
    // Optimistic: decide on the state this replica last appended, if it has it. A stale state is
    // caught by the version-checked append (CONFLICT) and, for refusals, by deciding again on a
    // fresh load before refusing.
    if (runner_.cache_.Take(name_, state_, mark_)) {
      from_cache_ = true;
      GatherFacts();
      return;
    }
    LoadState();
  }

 private:
  void LoadState() {
    from_cache_ = false;
    runner_.LoadStored(name_, [this](absl::StatusOr<CommandRunner::Loaded> stored) {
      if (!stored.ok() && !(stored.status().code() == absl::StatusCode::kNotFound &&
                            command_.has_create_session())) {
        Finish(stored.status());
        return;
      }
      state_ = stored.ok() ? std::move(stored->state) : SessionSnapshot();
      mark_ = stored.ok() ? stored->mark : SnapshotMark();
      GatherFacts();
    });
  }

  // Decided to refuse, or to append nothing: first make sure it was decided on the latest state,
  // then whether this is the retry of a request that did apply — a retry answers with the
  // original outcome, whatever the state is now. (A retry the engine accepts again is caught by
  // the append script, which knows every applied request id.)
  void SettleWithoutAppend(absl::StatusOr<CommandOutcome> outcome) {
    if (from_cache_) {
      LoadState();
      return;
    }
    if (request_id_.empty()) {
      if (!outcome.ok() && runner_.observer_ != nullptr) {
        runner_.observer_->Refused(outcome.status());
      }
      Finish(std::move(outcome));
      return;
    }
    runner_.log_.LookupRequest(
        name_, request_id_, fingerprint_,
        [this, outcome = std::move(outcome)](absl::StatusOr<AppendOutcome> seen) mutable {
          if (seen.ok()) {
            Replay(seen->response);
          } else if (seen.status().code() == absl::StatusCode::kNotFound) {
            if (!outcome.ok() && runner_.observer_ != nullptr) {
              runner_.observer_->Refused(outcome.status());
            }
            Finish(std::move(outcome));
          } else {
            Finish(seen.status());
          }
        });
  }

  void FailUnlessApplied(absl::Status failure) {
    if (request_id_.empty()) {
      Finish(std::move(failure));
      return;
    }
    runner_.log_.LookupRequest(name_, request_id_, fingerprint_,
                               [this, failure](absl::StatusOr<AppendOutcome> seen) {
                                 if (seen.ok()) {
                                   Replay(seen->response);
                                 } else {
                                   Finish(failure);
                                 }
                               });
  }

  void GatherFacts() {
    runner_.facts_.Gather(state_, command_,
                          [this](absl::StatusOr<casework::v1::CommandFacts> facts) {
                            if (!facts.ok()) {
                              // A retry of an applied request still gets its original answer
                              // while records cannot supply the facts.
                              FailUnlessApplied(facts.status());
                              return;
                            }
                            *command_.mutable_facts() = *std::move(facts);
                            command_.mutable_facts()->set_session_name(name_);
                            DecideAndAppend();
                          });
  }

  void DecideAndAppend() {
    absl::StatusOr<std::vector<casework::v1::SessionEvent>> events =
        Decide(state_, command_, principal_, runner_.clock_());
    if (!events.ok()) {
      SettleWithoutAppend(events.status());
      return;
    }
    if (events->empty()) {
      SettleWithoutAppend(CommandOutcome{std::make_shared<const SessionSnapshot>(state_), 0, 0});
      return;
    }
    AppendRequest append = Fold(*events);
    const int64_t first = events->front().sequence();
    const int64_t last = events->back().sequence();
    const QuotaCharge charge = append.quota;
    runner_.log_.Append(std::move(append), [this, first, last, charge, events = *std::move(events)](
                                               absl::StatusOr<AppendOutcome> appended) mutable {
      if (runner_.quota_gauges_ != nullptr && charge.account) {
        if (appended.ok() && !appended->duplicate) {
          ObserveUsage(*runner_.quota_gauges_, name_, charge, appended->usage);
        } else if (!appended.ok()) {
          ObserveRefusal(*runner_.quota_gauges_, appended.status());
        }
      }
      if (appended.ok() && appended->duplicate) {
        Replay(appended->response);  // a concurrent retry of the same request won
      } else if (appended.ok()) {
        Appended(first, last, std::move(events));
      } else if (appended.status().code() == absl::StatusCode::kAborted &&
                 ++attempts_ < kMaxAttempts) {
        LoadState();  // another replica appended first: decide again on the new state
      } else {
        Finish(appended.status());
      }
    });
  }

  // Folds the decided events into the state in place and builds their append: the events
  // serialized once, and the follow-ups the new state implies.
  AppendRequest Fold(const std::vector<casework::v1::SessionEvent>& events) {
    const absl::optional<absl::Time> due_before = NextTimerDue(state_);
    const bool running_before = Running(state_);
    const bool owed_before = RecordOwed(state_);
    const bool open_before = SessionOpen(state_);
    AppendRequest append;
    append.session_name = name_;
    append.expected_version = state_.session().version();
    append.request_id = request_id_;
    append.fingerprint = fingerprint_;
    FollowUps& follow = append.follow_ups;
    for (const casework::v1::SessionEvent& event : events) {
      std::string& bytes = append.events.emplace_back(event.SerializeAsString());
      mark_.tail_bytes += bytes.size();
      follow.notable = follow.notable || ConcernsOrganisation(event);
      ApplyInPlace(&state_, event);
    }
    // The template is stored once beside the snapshot, when the session is created (or, for a
    // session stored whole before that, with its next append).
    if (!mark_.protocol_apart) append.protocol = ProtocolPartBytes(state_);
    const absl::optional<absl::Time> due = NextTimerDue(state_);
    follow.timer_changed = due != due_before;
    follow.timer_due = due;
    if (!owed_before && RecordOwed(state_)) follow.record_owed = runner_.clock_();
    if (events.front().has_session_created()) {
      follow.team_listing = ToTime(state_.session().scheduled_start_time());
    }
    if (events.back().has_session_record_stored()) follow.recorded = runner_.clock_();
    follow.running_changed = Running(state_) != running_before;
    follow.running_protocol = Running(state_) ? state_.session().protocol_id() : "";
    append.response = absl::StrCat(events.front().sequence(), ":", events.back().sequence());
    if (runner_.quota_policy_ != nullptr) {
      append.quota =
          ChargeFor(name_, open_before, state_, events, *runner_.quota_policy_, runner_.clock_());
    }
    return append;
  }

  void Appended(int64_t first, int64_t last, std::vector<casework::v1::SessionEvent> events) {
    mark_.protocol_apart = true;
    const bool snapshot = SnapshotDue(runner_.policy_, mark_, events);
    // Moved, not copied: the cache and the reply share the one state.
    auto after = std::make_shared<SessionSnapshot>(std::move(state_));
    // The snapshot's size is known now (the whole state's, template included, a little above the
    // stored part's): the next command on the session weighs its tail against it, even when it
    // takes the state from the cache before the snapshot is written.
    if (snapshot) mark_ = SnapshotMark{last, after->ByteSizeLong(), 0, true};
    runner_.cache_.Remember(name_, after, mark_);
    if (runner_.observer_ != nullptr) runner_.observer_->Settled(name_, *after, events);
    Answer(CommandOutcome{after, first, last});
    // Off the reply's path: the snapshot, when due. Before the session's next command starts, so
    // that it takes the state from the cache without a copy.
    if (snapshot) runner_.StoreSnapshot(name_, *after);
    after.reset();
    Done();  // deletes this
  }

  void Replay(absl::string_view response) {
    std::pair<absl::string_view, absl::string_view> range = absl::StrSplit(response, ':');
    CommandOutcome outcome;
    if (!absl::SimpleAtoi(range.first, &outcome.first_sequence) ||
        !absl::SimpleAtoi(range.second, &outcome.last_sequence)) {
      Finish(absl::DataLossError("stored response of a request id is unreadable"));
      return;
    }
    runner_.Load(name_, [this, outcome](absl::StatusOr<SessionSnapshot> state) mutable {
      if (!state.ok()) {
        Finish(state.status());
        return;
      }
      outcome.state = std::make_shared<const SessionSnapshot>(*std::move(state));
      if (runner_.observer_ != nullptr) runner_.observer_->Settled(name_, *outcome.state, {});
      Finish(std::move(outcome));
    });
  }

  void Finish(absl::StatusOr<CommandOutcome> outcome) {
    Answer(std::move(outcome));
    Done();
  }

  void Answer(absl::StatusOr<CommandOutcome> outcome) { std::move(done_)(std::move(outcome)); }

  // Frees the session for its next waiting command, and deletes this.
  void Done() {
    CommandRunner& runner = runner_;
    const std::string name = name_;
    delete this;
    runner.Release(name);
  }

  CommandRunner& runner_;
  const std::string name_;
  SessionCommand command_;
  const casework::v1::Principal principal_;
  OutcomeCallback done_;
  const std::string request_id_;
  const std::string fingerprint_;
  SessionSnapshot state_;
  SnapshotMark mark_;        // where state_ stands against the stored snapshot
  bool from_cache_ = false;  // state_ is this replica's last append, not a fresh load
  int attempts_ = 0;
};

CommandRunner::CommandRunner(RedisEventLog& log, PhaseTimers& timers, FactsSource& facts,
                             std::function<absl::Time()> clock, SnapshotPolicy policy)
    : log_(log), timers_(timers), facts_(facts), clock_(std::move(clock)), policy_(policy) {}

void CommandRunner::Run(std::string session_name, SessionCommand command,
                        casework::v1::Principal principal, OutcomeCallback done) {
  auto* run = new CommandRun(*this, session_name, std::move(command), std::move(principal),
                             std::move(done));
  if (!Admit(run, session_name)) {
    std::move(run->done_)(QuotaExceeded(
        "SESSION_BUSY",
        absl::StrCat(kMaxWaitingPerSession,
                     " commands of this session are already waiting; retry shortly"),
        {session_name,
         absl::StrCat("at most ", kMaxWaitingPerSession, " commands of one session waiting")},
        absl::Milliseconds(100), {{"limit", absl::StrCat(kMaxWaitingPerSession)}}));
    delete run;
    return;
  }
}

bool CommandRunner::Admit(CommandRun* run, const std::string& session_name) {
  {
    absl::MutexLock lock(&lanes_mu_);
    auto [lane, idle] = lanes_.try_emplace(session_name);
    if (!idle) {
      if (lane->second.size() >= kMaxWaitingPerSession) return false;
      lane->second.push_back(run);
      return true;
    }
  }
  run->Start();
  return true;
}

void CommandRunner::Release(const std::string& session_name) {
  CommandRun* next = nullptr;
  {
    absl::MutexLock lock(&lanes_mu_);
    auto lane = lanes_.find(session_name);
    if (lane == lanes_.end()) return;
    if (lane->second.empty()) {
      lanes_.erase(lane);
      return;
    }
    next = lane->second.front();
    lane->second.pop_front();
  }
  next->Start();
}

// The phase deadline moves with most commands; the shared timer set follows it. A failure here
// leaves the previous due time, which only makes the timer loop look early (a tick with nothing
// due changes nothing and re-schedules).
void CommandRunner::RefreshTimer(const std::string& session_name, const SessionSnapshot& state) {
  absl::optional<absl::Time> due = NextTimerDue(state);
  auto ignore = [](absl::Status) {};
  if (due.has_value()) {
    timers_.Schedule(session_name, *due, ignore);
  } else {
    timers_.Cancel(session_name, ignore);
  }
}

}  // namespace casework::session
