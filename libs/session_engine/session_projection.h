// Per-viewer projections: what one caller may see of a session and of each of its events. Sealed
// entries (silent writing) are withheld from everyone but their author until revealed: the entry
// stays visible as "someone wrote something" with `content_withheld` set and its text, references
// and details cleared. Every Session and SessionEvent that leaves the server goes through these
// functions — GetSession and command responses via ProjectSession, ListSessionEvents and the
// notification service's WatchSession via ProjectEvent.
#ifndef LIBS_SESSION_ENGINE_SESSION_PROJECTION_H_
#define LIBS_SESSION_ENGINE_SESSION_PROJECTION_H_

#include "casework/v1/contribution.pb.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/session.pb.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"

namespace casework::session {

// The contribution as `viewer` may see it.
casework::v1::Contribution ProjectContribution(const casework::v1::Contribution& contribution,
                                               const casework::v1::Principal& viewer);

// The session as `viewer` may see it, with its limits and usage; the BASIC view leaves out the
// contributions. The usage's content bytes read 0 while the running phase has sealed writing.
// (The FULL view's size is bounded by the session's limits: session_limits.h.)
casework::v1::Session ProjectSession(const casework::v1::SessionSnapshot& state,
                                     const casework::v1::Principal& viewer,
                                     casework::v1::SessionView view);

// What a contribution changes in the session, for AddContribution's reply: its name, state,
// version, etag, usage (as in ProjectSession) and hypotheses summary. A handful of fields read
// from `state`, never a copy of the session: a contribution changes nothing else.
casework::v1::Session ProjectContributionChange(const casework::v1::SessionSnapshot& state);

// What a team member who does not take part sees of a session (ListSessions, the creator
// organising the lobby): name, team, protocol, language, creator, state, times and version —
// nobody who joined and nothing said.
casework::v1::Session ListingOf(const casework::v1::Session& session);

// The event as `viewer` may see it: a sealed ContributionAdded withheld from others; a
// ContributionsRevealed carrying the revealed entries in full; SessionCreated without the pinned
// template; a ReleaseVoteCast without the choice for anyone but the voter. `state` must be at or
// after the event (contributions are looked up in it).
casework::v1::SessionEvent ProjectEvent(const casework::v1::SessionSnapshot& state,
                                        const casework::v1::SessionEvent& event,
                                        const casework::v1::Principal& viewer);

// Whether `viewer`'s projection of `event` shows more than what everyone else sees (the author of
// a sealed entry, the voter of a release vote); everyone else shares one projection.
bool SeesMoreThanOthers(const casework::v1::SessionEvent& event,
                        const casework::v1::Principal& viewer);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_SESSION_PROJECTION_H_
