// Decide: dispatches a command to its decider, plus the envelope and guards all deciders share.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/session_engine/content_checks.h"
#include "libs/session_engine/decide_internal.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/session_limits.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/status_macros.h"

namespace casework::session {

namespace v1 = ::casework::v1;

PendingEvents::PendingEvents(const DecideContext& context, absl::string_view actor,
                             absl::string_view request_id)
    : context_(context), actor_(actor), request_id_(request_id) {}

v1::SessionEvent& PendingEvents::Add() {
  v1::SessionEvent& event = events_.emplace_back();
  const std::string& name = context_.command.has_create_session()
                                ? context_.command.facts().session_name()
                                : context_.session().name();
  event.set_session(name);
  event.set_sequence(context_.session().version() + static_cast<int64_t>(events_.size()));
  *event.mutable_event_time() = ToTimestamp(context_.now);
  event.set_actor(actor_);
  event.set_request_id(request_id_);
  return event;
}

absl::Status RequireParticipant(const DecideContext& context) {
  if (FindParticipant(context.session(), context.caller()) != nullptr) return absl::OkStatus();
  return Refusal(absl::StatusCode::kPermissionDenied, v1::ERROR_REASON_PARTICIPANT_REQUIRED,
                 "join the session first");
}

bool CreatorOrganising(const DecideContext& context) {
  const v1::Session& session = context.session();
  return !context.caller().empty() && context.caller() == session.creator() &&
         session.facilitator().empty() &&
         (session.state() == v1::SESSION_STATE_SCHEDULED ||
          session.state() == v1::SESSION_STATE_LOBBY);
}

absl::Status RequireFacilitator(const DecideContext& context) {
  if (!context.caller().empty() && context.session().facilitator() == context.caller()) {
    return absl::OkStatus();
  }
  return Refusal(absl::StatusCode::kPermissionDenied, v1::ERROR_REASON_FACILITATOR_REQUIRED,
                 "only the session's facilitator may do this");
}

absl::Status RequireRequestId(absl::string_view request_id) {
  bool printable = !request_id.empty() && request_id.size() <= 128;
  for (char c : request_id) printable = printable && c >= 0x21 && c <= 0x7e;
  if (printable) return absl::OkStatus();
  return FieldInvalid("request_id", "must be 1-128 printable ASCII characters");
}

absl::Status RequireState(const DecideContext& context,
                          std::initializer_list<v1::SessionState> states) {
  for (v1::SessionState state : states) {
    if (context.session().state() == state) return absl::OkStatus();
  }
  const std::string name = v1::SessionState_Name(context.session().state());
  return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_SESSION_STATE_INVALID,
                 absl::StrCat("not possible while the session is ", name),
                 {{"state", name.substr(std::string("SESSION_STATE_").size())}});
}

absl::Status GuardText(const v1::ProtocolTemplate& protocol, absl::string_view language_code,
                       absl::string_view field, absl::string_view text) {
  const v1::ContentChecks& checks = protocol.content_checks();
  if (checks.identifying_information_mode() != v1::CHECK_MODE_BLOCK) return absl::OkStatus();
  const auto kind = DetectIdentifyingInformation(checks, language_code, text);
  if (!kind.has_value()) return absl::OkStatus();
  std::string kind_name = v1::IdentifyingInformationKind_Name(*kind);
  constexpr absl::string_view kPrefix = "IDENTIFYING_INFORMATION_KIND_";
  if (absl::StartsWith(kind_name, kPrefix)) kind_name.erase(0, kPrefix.size());
  return ContentRefusal(
      v1::ERROR_REASON_IDENTIFYING_INFORMATION, field,
      absl::StrCat("looks like client-identifying information (", kind_name, "); remove it"),
      {{"field", std::string(field)}, {"kind", kind_name}});
}

absl::Status CheckOverrideReason(const DecideContext& context, bool override_requested,
                                 absl::string_view field, absl::string_view reason) {
  if (override_requested && reason.empty()) {
    return ContentRefusal(v1::ERROR_REASON_OVERRIDE_REASON_REQUIRED, field,
                          "an override needs a reason");
  }
  if (reason.size() > 500) return FieldInvalid(field, "must be at most 500 characters");
  return GuardText(context.protocol(), context.session().language_code(), field, reason);
}

namespace {

// The decider of a command on an existing session.
absl::StatusOr<Events> DecideCommand(const DecideContext& context) {
  using C = v1::SessionCommand;
  switch (context.command.command_case()) {
    case C::kJoinSession:
      return DecideJoin(context);
    case C::kAcknowledgeAgreements:
      return DecideAcknowledge(context);
    case C::kAssignRoles:
      return DecideAssignRoles(context);
    case C::kStartSession:
      return DecideStart(context);
    case C::kAdvancePhase:
      return DecideAdvance(context);
    case C::kExtendPhase:
      return DecideExtend(context);
    case C::kAddContribution:
      return DecideAddContribution(context);
    case C::kRespondToHypothesis:
      return DecideRespond(context);
    case C::kGiveTurn:
      return DecideGiveTurn(context);
    case C::kRevealContributions:
      return DecideReveal(context);
    case C::kPauseSession:
      return DecidePause(context);
    case C::kResumeSession:
      return DecideResume(context);
    case C::kEndSession:
      return DecideEnd(context);
    case C::kTick:
      return DecideTick(context);
    case C::kMarkRecordStored:
      return DecideMarkRecordStored(context);
    case C::kCastReleaseVote:
      return DecideReleaseVote(context);
    default:
      break;
  }
  return FieldInvalid("command", "unknown command");
}

}  // namespace

absl::StatusOr<Events> Decide(const v1::SessionSnapshot& state, const v1::SessionCommand& command,
                              const v1::Principal& principal, absl::Time now) {
  const DecideContext context{state, command, principal, now};
  const bool exists = !state.session().name().empty();
  using C = v1::SessionCommand;
  if (command.command_case() == C::kCreateSession) {
    if (exists) {
      return Refusal(absl::StatusCode::kAlreadyExists, v1::ERROR_REASON_RESOURCE_ALREADY_EXISTS,
                     "the session already exists", {{"resource", state.session().name()}});
    }
    return DecideCreate(context);
  }
  if (command.command_case() == C::COMMAND_NOT_SET) {
    return FieldInvalid("command", "exactly one command must be set");
  }
  if (!exists) {
    return Refusal(absl::StatusCode::kNotFound, v1::ERROR_REASON_RESOURCE_NOT_FOUND,
                   "the session does not exist");
  }
  // Authorisation before validation: only participants act on a session (a person joins it
  // first). Exceptions: the reserved system caller ticks timers and marks the record stored, and
  // the creator of a session that has no facilitator yet may assign its roles or cancel it — lobby
  // organisation, no content — without taking part.
  const bool organising =
      (command.command_case() == C::kAssignRoles || command.command_case() == C::kEndSession) &&
      CreatorOrganising(context);
  if (command.command_case() != C::kJoinSession && command.command_case() != C::kTick &&
      command.command_case() != C::kMarkRecordStored && !organising) {
    if (absl::Status participant = RequireParticipant(context); !participant.ok()) {
      return participant;
    }
  }
  absl::StatusOr<Events> events = DecideCommand(context);
  // The session's limits come last, once the command is otherwise acceptable: what it would
  // append is then known and weighed.
  if (events.ok()) CASEWORK_RETURN_IF_ERROR(CheckSessionLimits(state, command, *events));
  return events;
}

}  // namespace casework::session
