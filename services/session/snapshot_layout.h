// How a session's snapshot is stored: two parts, each a serialized SessionSnapshot holding one
// field — the session, rewritten by every append, and the pinned protocol template, written once
// when the session is created (it never changes, and is most of the bytes of a young session).
// Concatenated, the parts parse as the whole snapshot (protobuf merges repeated top-level fields),
// which is how RedisEventLog::LoadSnapshot hands them out; a snapshot stored whole, before the
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
