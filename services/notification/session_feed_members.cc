// SessionFeed's watchers against the team's member list (session_feed.h): re-checked on the
// ticker, never on the Redis loop thread, whenever the directory fetched the list anew.
#include <memory>
#include <vector>

#include "libs/server/grpc_status.h"
#include "libs/session_engine/session_names.h"
#include "services/notification/session_feed.h"

namespace casework::notification {

namespace v1 = ::casework::v1;

void SessionFeed::RecheckMembers() {
  {
    absl::MutexLock lock(&mu_);
    if (watchers_.empty()) return;
  }
  member_lists_->Poll({team_},
                      [self = shared_from_this()](const std::string&) { self->RecheckWatchers(); });
}

void SessionFeed::RecheckWatchers() {
  std::vector<std::shared_ptr<SessionWatcher>> watchers;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& watcher : watchers_) {
      if (watcher->mode != SessionWatcher::Mode::kRefused) watchers.push_back(watcher);
    }
  }
  for (const auto& watcher : watchers) {
    members_.FindMember(
        watcher->viewer, team_,
        [self = shared_from_this(), watcher](absl::StatusOr<v1::TeamMember> member) {
          // Only a list that no longer names the viewer ends the stream; records
          // unreachable leaves it open.
          if (absl::IsNotFound(member.status())) self->EndRemoved(watcher);
        });
  }
}

void SessionFeed::EndRemoved(const std::shared_ptr<SessionWatcher>& watcher) {
  {
    absl::MutexLock lock(&mu_);
    watcher->mode = SessionWatcher::Mode::kRefused;  // no more frames; pruned once finished
  }
  watcher->stream->FinishNow(ToGrpcStatus(session::SessionNotFound()));
}

}  // namespace casework::notification
