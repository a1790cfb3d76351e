// StateCache and the snapshot policy (state_cache.h).
#include "services/session/state_cache.h"

#include <algorithm>
#include <utility>

namespace casework::session {

using casework::v1::SessionEvent;
using casework::v1::SessionSnapshot;

bool SnapshotDue(const SnapshotPolicy& policy, const SnapshotMark& mark,
                 const std::vector<SessionEvent>& events) {
  if (mark.tail_bytes >= std::max(policy.min_tail_bytes, mark.bytes)) return true;
  for (const SessionEvent& event : events) {
    if (event.has_phase_started() || event.has_phase_ended() || event.has_session_ended()) {
      return true;
    }
  }
  return false;
}

bool StateCache::Take(const std::string& session_name, SessionSnapshot& state, SnapshotMark& mark) {
  Remembered taken;
  {
    absl::MutexLock lock(&mu_);
    auto found = states_.find(session_name);
    if (found == states_.end()) return false;
    taken = std::move(found->second);
    bytes_ -= taken.bytes;
    by_age_.erase(taken.age);
    states_.erase(found);
  }
  // Out of the map, nobody can find it any more: if no reply still holds it, it is ours alone.
  if (taken.state.use_count() == 1) {
    state = std::move(*taken.state);
  } else {
    state = *taken.state;
  }
  mark = taken.mark;
  return true;
}

void StateCache::Remember(const std::string& session_name, std::shared_ptr<SessionSnapshot> state,
                          SnapshotMark mark) {
  const size_t bytes = mark.bytes + mark.tail_bytes;
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  auto found = states_.find(session_name);
  if (found != states_.end()) {
    // Appends of one session can settle out of order here; keep the newest.
    if (found->second.state->session().version() < state->session().version()) {
      bytes_ = bytes_ - found->second.bytes + bytes;
      found->second.state = std::move(state);
      found->second.mark = mark;
      found->second.bytes = bytes;
    }
    found->second.remembered = now;
    by_age_.splice(by_age_.end(), by_age_, found->second.age);
  } else {
    by_age_.push_back(session_name);
    states_.emplace(session_name,
                    Remembered{std::move(state), mark, bytes, now, std::prev(by_age_.end())});
    bytes_ += bytes;
  }
  // Idle ones go; over a bound, the least recently remembered others, then this one if it alone
  // is over.
  while (!by_age_.empty()) {
    auto oldest = states_.find(by_age_.front());
    const bool over = states_.size() > limits_.sessions || bytes_ > limits_.bytes;
    if (oldest->first == session_name) {
      if (over) Forget(oldest);  // alone over a bound
      break;
    }
    if (!over && now - oldest->second.remembered < limits_.idle) break;
    Forget(oldest);
  }
}

void StateCache::Forget(States::iterator found) {
  bytes_ -= found->second.bytes;
  by_age_.erase(found->second.age);
  states_.erase(found);
}

void StateCache::SnapshotStored(const std::string& session_name, int64_t version, size_t bytes) {
  absl::MutexLock lock(&mu_);
  auto found = states_.find(session_name);
  if (found != states_.end() && found->second.mark.version == version) {
    found->second.mark.bytes = bytes;
  }
}

size_t StateCache::sessions() const {
  absl::MutexLock lock(&mu_);
  return states_.size();
}

size_t StateCache::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace casework::session
