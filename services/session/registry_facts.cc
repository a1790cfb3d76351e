// RegistryFacts::Gather.
#include "services/session/registry_facts.h"

namespace casework::session {

void RegistryFacts::Gather(
    const casework::v1::SessionSnapshot& /*state*/, const casework::v1::SessionCommand& command,
    absl::AnyInvocable<void(absl::StatusOr<casework::v1::CommandFacts>) &&> done) {
  casework::v1::CommandFacts facts;
  if (command.has_create_session()) {
    if (absl::Status filled = registry_.FillCreateFacts(command.create_session(), &facts);
        !filled.ok()) {
      std::move(done)(filled);
      return;
    }
  }
  std::move(done)(std::move(facts));
}

}  // namespace casework::session
