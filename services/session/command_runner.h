// Runs one session command end to end: take the session's state (this replica's last append if it
// has one, else the newest snapshot and the events after it, folded), gather the facts the command
// needs, let the engine decide, fold the new events in place and append only them — with every
// follow-up the acknowledgement implies (phase timer, record outbox, team index, running set) —
// in one compare-and-append. When another replica appended first, the command is decided again on
// the new state (up to 16 times, then ABORTED); a refusal decided on a remembered state is decided
// again on a fresh load; a retried request id answers with the original outcome (the append script
// knows applied ids; a refusal looks them up). After answering, a snapshot is stored when the
// policy says so (SnapshotDue, state_cache.h).
//
// Commands of one session run one at a time on a replica: the next starts when the previous has
// answered, on the state it left (so two commands of this replica never conflict with each other
// and never reload the session; only another replica's append does). At most
// `kMaxWaitingPerSession` wait behind the running one; a command beyond that is refused
// RESOURCE_EXHAUSTED (QuotaFailure on the session, RetryInfo) before anything is read or written.
// No business rule lives here: the engine decides; this is plumbing between the engine and the
// session log.
#ifndef SERVICES_SESSION_COMMAND_RUNNER_H_
#define SERVICES_SESSION_COMMAND_RUNNER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"
#include "libs/quota/quota_metrics.h"
#include "libs/quota/quota_policy.h"
#include "libs/session_engine/protocol_registry.h"
#include "libs/session_log/phase_timers.h"
#include "libs/session_log/redis_event_log.h"
#include "services/session/state_cache.h"

namespace casework::session {

struct CommandOutcome {
  // After the command; shared (not copied) with the runner's memory of this replica's last
  // append, so never modified.
  std::shared_ptr<const casework::v1::SessionSnapshot> state;
  int64_t first_sequence = 0;  // the appended events; 0 and 0 when none were
  int64_t last_sequence = 0;
};

using OutcomeCallback = absl::AnyInvocable<void(absl::StatusOr<CommandOutcome>) &&>;

// The facts a command needs beyond the session itself (protocol templates, the team's previous
// session record, the case-load review). Called on the Redis loop thread; must not block.
class FactsSource {
 public:
  virtual ~FactsSource() = default;
  virtual void Gather(
      const casework::v1::SessionSnapshot& state, const casework::v1::SessionCommand& command,
      absl::AnyInvocable<void(absl::StatusOr<casework::v1::CommandFacts>) &&> done) = 0;
};

// Told what commands did, for the work that follows an append (indexes, the record outbox,
// metrics). Called on whatever thread finished the command; must not block.
class CommandObserver {
 public:
  virtual ~CommandObserver() = default;
  // After a successful command: `events` are those it appended (none for a replayed retry, whose
  // follow-up work is repeated because it is idempotent).
  virtual void Settled(const std::string& session_name, const casework::v1::SessionSnapshot& state,
                       const std::vector<casework::v1::SessionEvent>& events) = 0;
  // The engine refused the command.
  virtual void Refused(const absl::Status& refusal) = 0;
};

class CommandRun;

class CommandRunner {
 public:
  // Commands of one session that may wait behind its running command on this replica.
  static constexpr size_t kMaxWaitingPerSession = 64;

  CommandRunner(RedisEventLog& log, PhaseTimers& timers, FactsSource& facts,
                std::function<absl::Time()> clock, SnapshotPolicy policy = {});

  // Set once, before the first command runs.
  void set_observer(CommandObserver* observer) { observer_ = observer; }
  // The organisations' quotas, checked and counted by each append (quota_accounting.h), and the
  // gauges their usage goes to (either may be null: no quotas, no gauges). Set once, before the
  // first command runs; not owned.
  void set_quotas(const quota::QuotaPolicy* policy, quota::QuotaUsageGauges* gauges) {
    quota_policy_ = policy;
    quota_gauges_ = gauges;
  }

  // `session_name` must already be checked to lie in the principal's organisation.
  void Run(std::string session_name, casework::v1::SessionCommand command,
           casework::v1::Principal principal, OutcomeCallback done);

  // Puts the session's phase timer at its next due time, or removes it (best effort).
  void RefreshTimer(const std::string& session_name, const casework::v1::SessionSnapshot& state);

  // The session's current state; NOT_FOUND when it does not exist.
  void Load(const std::string& session_name,
            absl::AnyInvocable<void(absl::StatusOr<casework::v1::SessionSnapshot>) &&> done);

 private:
  friend class CommandRun;
  struct Loaded {
    casework::v1::SessionSnapshot state;
    SnapshotMark mark;
  };
  // The newest snapshot and the events after it, folded (session_loader.cc).
  void LoadStored(const std::string& session_name,
                  absl::AnyInvocable<void(absl::StatusOr<Loaded>) &&> done);
  // Stores `state` as the session's snapshot (asynchronous; a failure only lengthens the tail).
  void StoreSnapshot(const std::string& session_name, const casework::v1::SessionSnapshot& state);
  // `run` may start now (its session has no running command), or waits its turn; false when the
  // session's queue is full.
  bool Admit(CommandRun* run, const std::string& session_name);
  // The session's running command has answered: the next waiting one starts (on this thread).
  void Release(const std::string& session_name);

  // The state this replica last appended per session, for optimistic decisions.
  StateCache cache_;
  RedisEventLog& log_;
  PhaseTimers& timers_;
  FactsSource& facts_;
  std::function<absl::Time()> clock_;
  const SnapshotPolicy policy_;
  CommandObserver* observer_ = nullptr;
  const quota::QuotaPolicy* quota_policy_ = nullptr;
  quota::QuotaUsageGauges* quota_gauges_ = nullptr;
  // Sessions with a running command on this replica, and the commands waiting behind it.
  absl::Mutex lanes_mu_;
  absl::flat_hash_map<std::string, std::deque<CommandRun*>> lanes_ ABSL_GUARDED_BY(lanes_mu_);
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_COMMAND_RUNNER_H_
