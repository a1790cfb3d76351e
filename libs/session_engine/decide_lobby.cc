// Deciders of the lobby: CreateSession, JoinSession, AcknowledgeAgreements, AssignRoles and
// StartSession.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/session_engine/decide_internal.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/protocol_validator.h"
#include "libs/session_engine/session_plan.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"
#include "libs/status/status_macros.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

constexpr std::initializer_list<v1::SessionState> kNotEnded = {
    v1::SESSION_STATE_SCHEDULED, v1::SESSION_STATE_LOBBY, v1::SESSION_STATE_IN_PROGRESS,
    v1::SESSION_STATE_PAUSED};

bool IsLanguageCode(const std::string& code) {
  if (code.empty() || code.size() > 35) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

absl::Status ValidateCreate(const v1::CreateSessionRequest& request) {
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  const v1::Session& requested = request.session();
  if (requested.protocol_id().empty()) return FieldInvalid("session.protocol_id", "is required");
  if (!requested.has_scheduled_start_time()) {
    return FieldInvalid("session.scheduled_start_time", "is required");
  }
  if (!requested.language_code().empty() && !IsLanguageCode(requested.language_code())) {
    return FieldInvalid("session.language_code", "must be a BCP 47 tag such as \"en\"");
  }
  return absl::OkStatus();
}

// "organizations/o/teams/t" of "organizations/o/teams/t/sessions/s"; empty when malformed.
std::string TeamOf(const std::string& session_name) {
  const size_t at = session_name.rfind("/sessions/");
  if (at == std::string::npos || at + 10 == session_name.size()) return "";
  return session_name.substr(0, at);
}

v1::Session NewSession(const DecideContext& context, const v1::ProtocolTemplate& resolved) {
  const v1::Session& requested = context.command.create_session().session();
  const v1::CommandFacts& facts = context.command.facts();
  v1::Session session;
  session.set_name(facts.session_name());
  session.set_team(TeamOf(facts.session_name()));
  session.set_protocol_id(requested.protocol_id());
  session.set_protocol_revision(facts.protocol().revision());
  session.set_case_(requested.case_());
  session.set_meeting(requested.meeting());
  session.set_language_code(requested.language_code().empty() ? "en" : requested.language_code());
  *session.mutable_scheduled_start_time() = requested.scheduled_start_time();
  if (requested.has_extended_segment()) {
    *session.mutable_extended_segment() = requested.extended_segment();
  }
  if (requested.has_timing_overrides()) {
    *session.mutable_timing_overrides() = requested.timing_overrides();
  }
  session.set_state(v1::SESSION_STATE_SCHEDULED);
  session.set_creator(context.caller());
  session.mutable_release_ballot()->set_rule(EffectiveRecordRelease(resolved));
  PlanPhases(resolved, &session);
  *session.mutable_create_time() = ToTimestamp(context.now);
  return session;
}

// The engine never pins a template the loader would refuse, whatever the caller passed.
absl::Status CheckPinnedTemplate(const v1::ProtocolTemplate& protocol) {
  v1::ProtocolTemplate copy = protocol;
  copy.clear_revision();
  copy.clear_name();
  if (absl::Status status = ValidateProtocolTemplate(copy); !status.ok()) {
    return Refusal(absl::StatusCode::kInternal, v1::ERROR_REASON_PROTOCOL_INVALID,
                   status.message());
  }
  return absl::OkStatus();
}

// Whether one more member fits: roles not yet assigned leave room for their future holders.
bool RoomForMember(const v1::Session& session, const v1::ProtocolTemplate& protocol) {
  const int max = protocol.participant_limits().max_members();
  if (max <= 0) return true;
  const int open_roles = (session.facilitator().empty() ? 1 : 0) +
                         (UsesCaseOwner(protocol) && session.case_owner().empty() ? 1 : 0);
  return CountMembers(session) < max + open_roles;
}

absl::Status ParticipantLimit(const v1::Session& session, const v1::ProtocolTemplate& protocol,
                              absl::string_view message) {
  const v1::ParticipantLimits& limits = protocol.participant_limits();
  return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_PARTICIPANT_LIMIT, message,
                 {{"min", absl::StrCat(limits.min_members())},
                  {"max", absl::StrCat(limits.max_members())},
                  {"members", absl::StrCat(CountMembers(session))}});
}

}  // namespace

absl::StatusOr<Events> DecideCreate(const DecideContext& context) {
  const v1::CreateSessionRequest& request = context.command.create_session();
  const v1::CommandFacts& facts = context.command.facts();
  CASEWORK_RETURN_IF_ERROR(ValidateCreate(request));
  if (TeamOf(facts.session_name()).empty()) return FactMissing("session_name");
  if (!facts.has_protocol() || facts.protocol().id() != request.session().protocol_id()) {
    return FactMissing("protocol");
  }
  CASEWORK_RETURN_IF_ERROR(CheckPinnedTemplate(facts.protocol()));
  if (facts.has_case_discussion_protocol()) {
    CASEWORK_RETURN_IF_ERROR(CheckPinnedTemplate(facts.case_discussion_protocol()));
  }
  CASEWORK_ASSIGN_OR_RETURN(v1::ProtocolTemplate resolved,
                            ResolveSessionProtocol(request.session(), facts));
  CASEWORK_RETURN_IF_ERROR(GuardText(resolved, request.session().language_code(),
                                     "session.extended_segment.title",
                                     request.session().extended_segment().title()));
  PendingEvents events(context, context.caller(), request.request_id());
  v1::SessionCreated* created = events.Add().mutable_session_created();
  *created->mutable_session() = NewSession(context, resolved);
  *created->mutable_protocol() = std::move(resolved);
  return events.Take();
}

absl::StatusOr<Events> DecideJoin(const DecideContext& context) {
  const v1::JoinSessionRequest& request = context.command.join_session();
  if (context.caller().empty() || context.caller() == kSystemSubject) {
    return Refusal(absl::StatusCode::kPermissionDenied, v1::ERROR_REASON_PARTICIPANT_REQUIRED,
                   "only a person can join a session");
  }
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  CASEWORK_RETURN_IF_ERROR(RequireState(context, kNotEnded));
  if (FindParticipant(context.session(), context.caller()) != nullptr) return Events{};
  if (!RoomForMember(context.session(), context.protocol())) {
    return ParticipantLimit(context.session(), context.protocol(),
                            "the session has the protocol's maximum number of members");
  }
  PendingEvents events(context, context.caller(), request.request_id());
  events.Add().mutable_participant_joined()->set_participant(context.caller());
  return events.Take();
}

absl::StatusOr<Events> DecideAcknowledge(const DecideContext& context) {
  const v1::AcknowledgeAgreementsRequest& request = context.command.acknowledge_agreements();
  CASEWORK_RETURN_IF_ERROR(RequireParticipant(context));
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(request.request_id()));
  if (request.agreements().empty()) return FieldInvalid("agreements", "name at least one");
  const auto& listed = context.protocol().agreements();
  for (int i = 0; i < request.agreements_size(); ++i) {
    const bool known = std::any_of(listed.begin(), listed.end(), [&](const auto& agreement) {
      return agreement.agreement() == request.agreements(i);
    });
    if (!known) {
      return FieldInvalid(absl::StrCat("agreements[", i, "]"),
                          "is not an agreement of the protocol");
    }
  }
  CASEWORK_RETURN_IF_ERROR(RequireState(context, kNotEnded));
  v1::Participant after = *FindParticipant(context.session(), context.caller());
  v1::AgreementsAcknowledged acknowledged;
  acknowledged.set_participant(context.caller());
  for (const auto agreement : request.agreements()) {
    const auto& done = after.acknowledged_agreements();
    if (std::find(done.begin(), done.end(), agreement) != done.end()) continue;
    after.add_acknowledged_agreements(static_cast<v1::Agreement>(agreement));
    acknowledged.add_agreements(static_cast<v1::Agreement>(agreement));
  }
  if (acknowledged.agreements().empty()) return Events{};
  acknowledged.set_complete(AgreementsComplete(after, context.protocol()));
  PendingEvents events(context, context.caller(), request.request_id());
  *events.Add().mutable_agreements_acknowledged() = std::move(acknowledged);
  return events.Take();
}

absl::StatusOr<Events> DecideStart(const DecideContext& context) {
  const v1::Session& session = context.session();
  if (!session.facilitator().empty()) CASEWORK_RETURN_IF_ERROR(RequireFacilitator(context));
  CASEWORK_RETURN_IF_ERROR(RequireRequestId(context.command.start_session().request_id()));
  CASEWORK_RETURN_IF_ERROR(
      RequireState(context, {v1::SESSION_STATE_SCHEDULED, v1::SESSION_STATE_LOBBY}));
  std::vector<std::string> missing;
  if (session.facilitator().empty()) missing.push_back(RoleName(v1::SESSION_ROLE_FACILITATOR));
  for (const auto role : context.protocol().role_rules().required_at_start()) {
    const auto typed = static_cast<v1::SessionRole>(role);
    if (!RoleAssigned(session, typed) && typed != v1::SESSION_ROLE_FACILITATOR) {
      missing.push_back(RoleName(typed));
    }
  }
  if (!missing.empty()) {
    return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_ROLES_INCOMPLETE,
                   "assign the roles the protocol requires first",
                   {{"roles", absl::StrJoin(missing, ",")}});
  }
  const v1::ParticipantLimits& limits = context.protocol().participant_limits();
  const int members = CountMembers(session);
  if (members < limits.min_members() ||
      (limits.max_members() > 0 && members > limits.max_members()))
    return ParticipantLimit(session, context.protocol(), "the number of members is out of range");
  for (const std::string* holder : {&session.facilitator(), &session.case_owner()}) {
    const v1::Participant* participant = FindParticipant(session, *holder);
    if (participant != nullptr && !AgreementsComplete(*participant, context.protocol())) {
      return Refusal(absl::StatusCode::kFailedPrecondition,
                     v1::ERROR_REASON_AGREEMENTS_NOT_ACKNOWLEDGED,
                     "the facilitator and the case owner acknowledge the agreements first",
                     {{"participant", *holder}});
    }
  }
  PendingEvents events(context, context.caller(), context.command.start_session().request_id());
  events.Add().mutable_session_started()->set_members(members);
  CASEWORK_RETURN_IF_ERROR(AppendPhaseStart(context, 1, &events));
  return events.Take();
}

}  // namespace casework::session
