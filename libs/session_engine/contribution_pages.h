// SessionService.ListContributions as a pure function: one page (AIP-158) of a session's
// contributions, oldest first, each projected for the viewer exactly as GetSession projects it.
//
// Contributions are append-only and numbered in order, so a page token is a position in the list
// (how many contributions the previous pages covered), bound to the request's session and filters
// by a fingerprint: a token replayed with another session or other filters, or one this API did
// not issue, is refused. The position reveals nothing a caller could not ask for directly, so the
// token is opaque but not signed.
#ifndef LIBS_SESSION_ENGINE_CONTRIBUTION_PAGES_H_
#define LIBS_SESSION_ENGINE_CONTRIBUTION_PAGES_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_service.pb.h"

namespace casework::session {

inline constexpr int kDefaultContributionPageSize = 100;
inline constexpr int kMaxContributionPageSize = 1000;
// A page ends once its projected contributions reach this many bytes (at least one per page), so
// a page stays far below gRPC's 4 MiB whatever the session holds.
inline constexpr size_t kMaxContributionPageBytes = 1 << 20;

// The page `request` asks for, of the session `state`, as `viewer` sees it. INVALID_ARGUMENT
// FIELD_INVALID for a negative page_size, a kind that is not one, a phase_id the session does not
// have, or a page_token this API did not issue for this session and these filters. Authorisation
// (the viewer takes part) is the caller's to check first.
absl::StatusOr<casework::v1::ListContributionsResponse> ListContributionsPage(
    const casework::v1::SessionSnapshot& state, const casework::v1::Principal& viewer,
    const casework::v1::ListContributionsRequest& request);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_CONTRIBUTION_PAGES_H_
