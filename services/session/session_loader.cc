// CommandRunner's side of the session log's layout (log v2): a session is loaded as its newest
// snapshot plus the events after it, folded; a snapshot is stored after an append when the events
// since the last one weigh as much as it does (at least the policy's minimum) or at a phase
// boundary.
#include "libs/server/json_log.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/session_names.h"
#include "services/session/command_runner.h"
#include "services/session/snapshot_layout.h"

namespace casework::session {
namespace {

using casework::v1::SessionEvent;
using casework::v1::SessionSnapshot;

absl::StatusOr<SessionSnapshot> Rebuild(const StoredSession& stored) {
  std::vector<absl::string_view> tail;
  tail.reserve(stored.tail.size());
  for (const StoredEvent& event : stored.tail) tail.push_back(event.data);
  return Restore(stored.state, stored.protocol, tail);
}

}  // namespace

void CommandRunner::LoadStored(const std::string& session_name,
                               absl::AnyInvocable<void(absl::StatusOr<Loaded>) &&> done) {
  log_.Load(session_name, [done = std::move(done)](absl::StatusOr<StoredSession> stored) mutable {
    if (!stored.ok()) {
      std::move(done)(stored.status().code() == absl::StatusCode::kNotFound ? SessionNotFound()
                                                                            : stored.status());
      return;
    }
    absl::StatusOr<SessionSnapshot> state = Rebuild(*stored);
    if (!state.ok()) {
      std::move(done)(state.status());
      return;
    }
    Loaded loaded{*std::move(state), SnapshotMark{}};
    loaded.mark.version = stored->state_version;
    loaded.mark.bytes = stored->state.size();
    for (const StoredEvent& event : stored->tail) loaded.mark.tail_bytes += event.data.size();
    loaded.mark.protocol_apart = !stored->protocol.empty();
    std::move(done)(std::move(loaded));
  });
}

void CommandRunner::Load(const std::string& session_name,
                         absl::AnyInvocable<void(absl::StatusOr<SessionSnapshot>) &&> done) {
  LoadStored(session_name, [done = std::move(done)](absl::StatusOr<Loaded> loaded) mutable {
    if (!loaded.ok()) {
      std::move(done)(loaded.status());
      return;
    }
    std::move(done)(std::move(loaded->state));
  });
}

void CommandRunner::StoreSnapshot(const std::string& session_name, const SessionSnapshot& state) {
  const int64_t version = state.session().version();
  std::string bytes = SessionPartBytes(state);
  cache_.SnapshotStored(session_name, version, bytes.size());
  log_.StoreSnapshot(
      session_name, version, std::move(bytes), [session_name](absl::StatusOr<bool> stored) {
        if (!stored.ok()) {
          Log(LogSeverity::kWarning, "session log: a snapshot was not stored",
              {{"session", session_name}, {"error", std::string(stored.status().message())}});
        }
      });
}

}  // namespace casework::session
