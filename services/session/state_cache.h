// What a session replica remembers between commands, and when it stores a snapshot: the pure part
// of the command runner (command_runner.h), tested on its own.
//
// StateCache holds the state this replica last appended per session, so the next command on the
// session decides without a load (a stale state is caught by the version-checked append). It is
// bounded three times: by sessions, by bytes (a few large sessions must not hold the memory of a
// thousand small ones) and by idleness (a session nobody wrote to for `idle` is forgotten, so the
// memory follows the sessions in use, not the history of this replica); over a bound it forgets
// the least recently remembered others first (a miss costs one load), then the newcomer if it
// alone is over. A command takes its session's state out — moved, not copied,
// when no reply still holds it — and puts the state after its append back; of two appends of one
// session settling out of order, the newer version stays.
//
// SnapshotDue is the snapshot policy: store one once the events since the last weigh as much as
// it does (at least `min_tail_bytes`), and at phase boundaries — so the bytes written per command
// stay proportional to the command, and a load folds a tail no larger than the snapshot.
#ifndef SERVICES_SESSION_STATE_CACHE_H_
#define SERVICES_SESSION_STATE_CACHE_H_

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"

namespace casework::session {

// Where a state stands against the stored snapshot.
struct SnapshotMark {
  int64_t version = 0;          // the stored snapshot's version (0: none yet)
  size_t bytes = 0;             // its size
  size_t tail_bytes = 0;        // the bytes of the events after it
  bool protocol_apart = false;  // the pinned template is stored beside the snapshot
};

struct SnapshotPolicy {
  size_t min_tail_bytes = 32 * 1024;
};

// Whether a snapshot is due after appending `events` to a state standing at `mark`.
bool SnapshotDue(const SnapshotPolicy& policy, const SnapshotMark& mark,
                 const std::vector<casework::v1::SessionEvent>& events);

struct StateCacheLimits {
  size_t sessions = 1024;
  size_t bytes = 64 << 20;  // counted as each state's snapshot plus the events after it
  absl::Duration idle = absl::Minutes(1);
};

class StateCache {
 public:
  explicit StateCache(
      StateCacheLimits limits = {}, std::function<absl::Time()> clock = [] { return absl::Now(); })
      : limits_(limits), clock_(std::move(clock)) {}

  // Takes the session's state out (moved when nothing else holds it); false when none is held.
  bool Take(const std::string& session_name, casework::v1::SessionSnapshot& state,
            SnapshotMark& mark);
  // Puts `state` back after an append (unless a newer version is already there).
  void Remember(const std::string& session_name,
                std::shared_ptr<casework::v1::SessionSnapshot> state, SnapshotMark mark);
  // The stored snapshot of `version` is `bytes` long: the mark learns it if it stands there.
  void SnapshotStored(const std::string& session_name, int64_t version, size_t bytes);

  size_t sessions() const;
  size_t bytes() const;

 private:
  struct Remembered {
    std::shared_ptr<casework::v1::SessionSnapshot> state;
    SnapshotMark mark;
    size_t bytes = 0;
    absl::Time remembered;
    std::list<std::string>::iterator age;  // its place in `by_age_`
  };
  using States = absl::flat_hash_map<std::string, Remembered>;

  void Forget(States::iterator found) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const StateCacheLimits limits_;
  const std::function<absl::Time()> clock_;
  mutable absl::Mutex mu_;
  States states_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> by_age_ ABSL_GUARDED_BY(mu_);  // least recently remembered first
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_STATE_CACHE_H_
