// The facts a command needs that the session service has locally: protocol templates from the
// registry loaded at start-up. (The records-backed facts — the team's previous session record for
// the rotation rule and the case-load review — come with the records client.)
#ifndef SERVICES_SESSION_REGISTRY_FACTS_H_
#define SERVICES_SESSION_REGISTRY_FACTS_H_

#include "services/session/command_runner.h"
#include "services/session/engine/protocol_registry.h"

namespace casework::session {

class RegistryFacts final : public FactsSource {
 public:
  explicit RegistryFacts(const ProtocolRegistry& registry) : registry_(registry) {}

  void Gather(
      const casework::v1::SessionSnapshot& state, const casework::v1::SessionCommand& command,
      absl::AnyInvocable<void(absl::StatusOr<casework::v1::CommandFacts>) &&> done) override;

 private:
  const ProtocolRegistry& registry_;
};

}  // namespace casework::session

#endif  // SERVICES_SESSION_REGISTRY_FACTS_H_
