// SessionFeed's watchers against the team's member list (session_feed.h): re-checked on the
// ticker, never on the Redis loop thread, whenever the directory fetched the list anew.
#include <memory>
#include <vector>

#include "libs/session_engine/session_names.h"
#include "services/notification/session_feed.h"

namespace casework::notification {

namespace v1 = ::casework::v1;

void SessionFeed::RecheckMembers() {
  if (Watchers().empty()) return;
  member_lists_->Poll(
      {team_}, [self = shared_as<SessionFeed>()](const std::string&) { self->RecheckWatchers(); });
}

void SessionFeed::RecheckWatchers() {
  for (const auto& watcher : Watchers()) {
    members_.FindMember(
        watcher->viewer, team_,
        [self = shared_as<SessionFeed>(), watcher](absl::StatusOr<v1::TeamMember> member) {
          // Only a list that no longer names the viewer ends the stream, as if the session did
          // not exist; records unreachable leaves it open.
          if (absl::IsNotFound(member.status())) {
            self->Refuse(watcher, session::SessionNotFound());
          }
        });
  }
}

}  // namespace casework::notification
