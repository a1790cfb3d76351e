// The facts a command needs beyond the session itself: protocol templates from the registry
// loaded at start-up, and from the records service the team's members (team-role rules), the
// team's previous session record (rotation) and its anonymous case-load review (meetings). Records
// calls are asynchronous with a deadline; when the records service cannot answer, the command
// fails with UNAVAILABLE before anything is decided, so nothing is half-applied.
#ifndef SERVICES_SESSION_COMMAND_FACTS_H_
#define SERVICES_SESSION_COMMAND_FACTS_H_

#include "libs/records_client/records_client.h"
#include "libs/session_engine/protocol_registry.h"
#include "services/session/command_runner.h"

namespace casework::session {

class CommandFactsSource final : public FactsSource {
 public:
  // `records` may be null: commands that need records-backed facts then fail with
  // FAILED_PRECONDITION (COMMAND_FACTS_MISSING) — for tests of the engine plumbing only.
  CommandFactsSource(const ProtocolRegistry& registry, RecordsClient* records)
      : registry_(registry), records_(records) {}

  void Gather(
      const casework::v1::SessionSnapshot& state, const casework::v1::SessionCommand& command,
      absl::AnyInvocable<void(absl::StatusOr<casework::v1::CommandFacts>) &&> done) override;

 private:
  const ProtocolRegistry& registry_;
  RecordsClient* records_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_COMMAND_FACTS_H_
