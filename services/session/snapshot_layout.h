// How a session's snapshot is stored: two parts, each a serialized SessionSnapshot holding some of
// its fields — the session with its contribution tallies, written on the snapshot policy
// (session_loader.cc), and the pinned protocol template, written once when the session is created
// (it never changes, and is most of the bytes of a young session). Concatenated, the parts parse
// as the whole snapshot (protobuf merges top-level fields); a snapshot stored whole, before the
// split, reads the same way.
#ifndef SERVICES_SESSION_SNAPSHOT_LAYOUT_H_
#define SERVICES_SESSION_SNAPSHOT_LAYOUT_H_

#include <string>

#include "casework/v1/session_command.pb.h"

namespace casework::session {

// The stored session part: `state` without its protocol (nothing is copied).
std::string SessionPartBytes(const casework::v1::SessionSnapshot& state);

// The stored protocol part: `state` without its session.
std::string ProtocolPartBytes(const casework::v1::SessionSnapshot& state);

}  // namespace casework::session

#endif  // SERVICES_SESSION_SNAPSHOT_LAYOUT_H_
