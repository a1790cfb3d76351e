// The release ballot: participants vote whether the session's record may leave them, and the end
// of the session fixes the outcome under the protocol's rule (DOMAIN: "nothing said or done during
// the intervision will be brought out unless everyone decides otherwise").
#include "absl/strings/str_cat.h"
#include "libs/session_engine/decide_internal.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/session_queries.h"
#include "libs/status/status_macros.h"

namespace casework::session {

namespace v1 = ::casework::v1;

v1::ReleaseOutcome ReleaseOutcomeAtEnd(const v1::SessionSnapshot& state) {
  switch (EffectiveRecordRelease(state.protocol())) {
    case v1::RECORD_RELEASE_TEAM_SUPERVISOR:
      return v1::RELEASE_OUTCOME_RELEASED;
    case v1::RECORD_RELEASE_BY_CONSENT:
      break;
    default:
      return v1::RELEASE_OUTCOME_WITHHELD;
  }
  const v1::Session& session = state.session();
  if (session.participants().empty()) return v1::RELEASE_OUTCOME_WITHHELD;
  for (const v1::Participant& participant : session.participants()) {
    if (ReleaseChoiceOf(session, participant.subject()) != v1::RELEASE_CHOICE_AGREE) {
      return v1::RELEASE_OUTCOME_WITHHELD;  // one "no", or no answer, keeps the record here
    }
  }
  return v1::RELEASE_OUTCOME_RELEASED;
}

absl::StatusOr<Events> DecideReleaseVote(const DecideContext& context) {
  const v1::CastReleaseVoteRequest& request = context.command.cast_release_vote();
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  if (request.choice() != v1::RELEASE_CHOICE_AGREE &&
      request.choice() != v1::RELEASE_CHOICE_DISAGREE) {
    return FieldInvalid("choice", "must be RELEASE_CHOICE_AGREE or RELEASE_CHOICE_DISAGREE");
  }
  CASEWORK_RETURN_IF_ERROR(RequireState(
      context, {v1::SESSION_STATE_LOBBY, v1::SESSION_STATE_IN_PROGRESS, v1::SESSION_STATE_PAUSED}));
  const v1::RecordRelease rule = EffectiveRecordRelease(context.protocol());
  if (rule != v1::RECORD_RELEASE_BY_CONSENT) {
    const std::string name = v1::RecordRelease_Name(rule);
    return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_RELEASE_NOT_BALLOTED,
                   "this session's protocol decides where its record goes; there is no ballot",
                   {{"record_release", name.substr(std::string("RECORD_RELEASE_").size())}});
  }
  if (ReleaseChoiceOf(context.session(), context.caller()) == request.choice()) return Events{};
  PendingEvents events(context, context.caller(), request.request_id());
  v1::ReleaseVoteCast* cast = events.Add().mutable_release_vote_cast();
  cast->set_participant(context.caller());
  cast->set_choice(request.choice());
  return events.Take();
}

}  // namespace casework::session
