// The outcome of a finished session as the records service keeps it (SessionRecord): roles,
// phases with planned and actual durations, overruns, extensions and overrides, the case owner's
// questions, hypotheses with feedback, ideas grouped by question, reactions and decisions, action
// items, and for team meetings check-ins, section notes and the case-load review. Everything else
// said in the session stays in the session ("nothing leaves the session unless everyone agrees").
#ifndef LIBS_SESSION_ENGINE_OUTCOME_BUILDER_H_
#define LIBS_SESSION_ENGINE_OUTCOME_BUILDER_H_

#include "absl/status/statusor.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_record.pb.h"

namespace casework::session {

// FAILED_PRECONDITION SESSION_STATE_INVALID unless the session ENDED or was CANCELLED. The record
// is named "{team}/sessionRecords/{session id}"; the same state always gives the same record, so
// the outbox can retry it idempotently.
absl::StatusOr<casework::v1::SessionRecord> BuildSessionRecord(
    const casework::v1::SessionSnapshot& state);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_OUTCOME_BUILDER_H_
