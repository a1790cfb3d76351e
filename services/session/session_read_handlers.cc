// SessionService reads: protocol templates, a session, its contributions and its event timeline,
// as the caller may see them. Only participants read a live session; everyone else gets the same
// answer as for a session that does not exist.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/server/grpc_status.h"
#include "libs/server/request_bounds.h"
#include "libs/session_engine/contribution_pages.h"
#include "libs/session_engine/session_names.h"
#include "libs/session_engine/session_projection.h"
#include "libs/session_engine/session_queries.h"
#include "libs/status/errors.h"
#include "services/session/session_grpc_service.h"

namespace casework::session {
namespace {

using casework::v1::Principal;
using casework::v1::SessionSnapshot;

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

casework::v1::EventKind KindOf(const casework::v1::SessionEvent& event) {
  const auto* oneof = event.GetDescriptor()->FindOneofByName("payload");
  const auto* field = event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  casework::v1::EventKind kind = casework::v1::EVENT_KIND_UNSPECIFIED;
  if (field != nullptr) {
    casework::v1::EventKind_Parse(absl::StrCat("EVENT_KIND_", absl::AsciiStrToUpper(field->name())),
                                  &kind);
  }
  return kind;
}

}  // namespace

SessionGrpcService::Reactor* SessionGrpcService::GetProtocol(
    Context* context, const casework::v1::GetProtocolRequest* request,
    casework::v1::ProtocolTemplate* response) {
  Reactor* reactor = context->DefaultReactor();
  absl::StatusOr<Principal> caller = AdmitCall(*context, *request);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  const std::string prefix = absl::StrCat("organizations/", caller->organization(), "/protocols/");
  const casework::v1::ProtocolTemplate* found =
      absl::StartsWith(request->name(), prefix)
          ? protocols_.Find(absl::string_view(request->name()).substr(prefix.size()))
          : nullptr;
  if (found == nullptr) {
    reactor->Finish(ToGrpcStatus(
        Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND", "protocol not found")));
    return reactor;
  }
  *response = *found;
  response->set_name(request->name());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

SessionGrpcService::Reactor* SessionGrpcService::ListProtocols(
    Context* context, const casework::v1::ListProtocolsRequest* request,
    casework::v1::ListProtocolsResponse* response) {
  Reactor* reactor = context->DefaultReactor();
  absl::StatusOr<Principal> caller = AdmitCall(*context, *request);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  const std::string parent = absl::StrCat("organizations/", caller->organization());
  if (request->parent() != parent) {
    reactor->Finish(ToGrpcStatus(
        Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND", "organization not found")));
    return reactor;
  }
  // A handful of templates: one page holds them all.
  for (const casework::v1::ProtocolTemplate& protocol : protocols_.protocols()) {
    casework::v1::ProtocolTemplate* out = response->add_protocols();
    *out = protocol;
    out->set_name(absl::StrCat(parent, "/protocols/", protocol.id()));
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

SessionGrpcService::Reactor* SessionGrpcService::GetSession(
    Context* context, const casework::v1::GetSessionRequest* request,
    casework::v1::Session* response) {
  Reactor* reactor = context->DefaultReactor();
  absl::StatusOr<Principal> caller = AdmitCall(*context, *request);
  absl::Status checked = caller.ok() ? CheckSessionName(request->name(), *caller) : caller.status();
  if (!checked.ok()) {
    reactor->Finish(ToGrpcStatus(checked));
    return reactor;
  }
  const casework::v1::SessionView view = request->view() == casework::v1::SESSION_VIEW_UNSPECIFIED
                                             ? casework::v1::SESSION_VIEW_FULL
                                             : request->view();
  AdmitMember(*std::move(caller), TeamOfSession(request->name()), SessionNotFound(), reactor,
              [this, reactor, request, response, view](Principal admitted) mutable {
                runner_.Load(request->name(),
                             [reactor, response, view,
                              caller = std::move(admitted)](absl::StatusOr<SessionSnapshot> state) {
                               if (state.ok() && !MayReadSession(*state, caller))
                                 state = SessionNotFound();
                               if (state.ok()) *response = ProjectSession(*state, caller, view);
                               reactor->Finish(ToGrpcStatus(state.status()));
                             });
              });
  return reactor;
}

SessionGrpcService::Reactor* SessionGrpcService::ListContributions(
    Context* context, const casework::v1::ListContributionsRequest* request,
    casework::v1::ListContributionsResponse* response) {
  Reactor* reactor = context->DefaultReactor();
  absl::StatusOr<Principal> caller = AdmitCall(*context, *request);
  absl::Status checked =
      caller.ok() ? CheckSessionName(request->parent(), *caller, "parent") : caller.status();
  if (!checked.ok()) {
    reactor->Finish(ToGrpcStatus(checked));
    return reactor;
  }
  // The request's own checks come after the read check, so a caller who may not read the session
  // learns nothing from them.
  AdmitMember(*std::move(caller), TeamOfSession(request->parent()), SessionNotFound(), reactor,
              [this, reactor, request, response](Principal admitted) {
                ReadContributions(reactor, request, response, std::move(admitted));
              });
  return reactor;
}

void SessionGrpcService::ReadContributions(Reactor* reactor,
                                           const casework::v1::ListContributionsRequest* request,
                                           casework::v1::ListContributionsResponse* response,
                                           Principal caller) {
  runner_.Load(request->parent(), [reactor, request, response, caller = std::move(caller)](
                                      absl::StatusOr<SessionSnapshot> state) {
    if (state.ok() && !MayReadSession(*state, caller)) state = SessionNotFound();
    if (!state.ok()) {
      reactor->Finish(ToGrpcStatus(state.status()));
      return;
    }
    absl::StatusOr<casework::v1::ListContributionsResponse> page =
        ListContributionsPage(*state, caller, *request);
    if (page.ok()) *response = *std::move(page);
    reactor->Finish(ToGrpcStatus(page.status()));
  });
}

SessionGrpcService::Reactor* SessionGrpcService::ListSessionEvents(
    Context* context, const casework::v1::ListSessionEventsRequest* request,
    casework::v1::ListSessionEventsResponse* response) {
  Reactor* reactor = context->DefaultReactor();
  absl::StatusOr<Principal> caller = AdmitCall(*context, *request);
  absl::Status checked =
      caller.ok() ? CheckSessionName(request->parent(), *caller, "parent") : caller.status();
  int64_t after = request->after_sequence();
  if (checked.ok() && !request->page_token().empty() &&
      !absl::SimpleAtoi(request->page_token(), &after)) {
    checked = InvalidArgument("FIELD_INVALID", {{"page_token", "is not a token this API issued"}});
  }
  if (checked.ok() && request->page_size() < 0) {
    checked = InvalidArgument("FIELD_INVALID", {{"page_size", "must not be negative"}});
  }
  if (checked.ok() && after < 0) {
    checked = InvalidArgument("FIELD_INVALID", {{"after_sequence", "must not be negative"}});
  }
  if (!checked.ok()) {
    reactor->Finish(ToGrpcStatus(checked));
    return reactor;
  }
  const int page_size =
      request->page_size() == 0 ? kDefaultPageSize : std::min(request->page_size(), kMaxPageSize);
  std::string name = request->parent();
  AdmitMember(*std::move(caller), TeamOfSession(name), SessionNotFound(), reactor,
              [this, reactor, response, request, name, after, page_size](Principal admitted) {
                ReadEvents(reactor, request, response, name, after, page_size, std::move(admitted));
              });
  return reactor;
}

void SessionGrpcService::ReadEvents(Reactor* reactor,
                                    const casework::v1::ListSessionEventsRequest* request,
                                    casework::v1::ListSessionEventsResponse* response,
                                    const std::string& name, int64_t after, int page_size,
                                    Principal caller) {
  runner_.Load(name, [this, reactor, response, request, name, after, page_size,
                      caller = std::move(caller)](absl::StatusOr<SessionSnapshot> state) mutable {
    if (state.ok() && !MayReadSession(*state, caller)) state = SessionNotFound();
    if (!state.ok()) {
      reactor->Finish(ToGrpcStatus(state.status()));
      return;
    }
    // A position ahead of the log is a client error (as WatchSession answers), not an empty page.
    if (after > state->session().version()) {
      reactor->Finish(
          ToGrpcStatus(Error(absl::StatusCode::kOutOfRange, "SEQUENCE_OUT_OF_RANGE",
                             "after_sequence is beyond the session's last sequence",
                             {{"requested_sequence", absl::StrCat(after)},
                              {"last_sequence", absl::StrCat(state->session().version())}})));
      return;
    }
    log_.ReadAfter(name, after, page_size,
                   [reactor, response, request, page_size, state = *std::move(state),
                    caller](absl::StatusOr<std::vector<StoredEvent>> stored) {
                     if (!stored.ok()) {
                       reactor->Finish(ToGrpcStatus(stored.status()));
                       return;
                     }
                     for (const StoredEvent& entry : *stored) {
                       casework::v1::SessionEvent event;
                       if (!event.ParseFromString(entry.data)) {
                         reactor->Finish(ToGrpcStatus(absl::DataLossError("unreadable event")));
                         return;
                       }
                       const bool wanted =
                           request->kinds().empty() ||
                           std::find(request->kinds().begin(), request->kinds().end(),
                                     KindOf(event)) != request->kinds().end();
                       if (wanted) *response->add_events() = ProjectEvent(state, event, caller);
                     }
                     response->set_last_sequence(state.session().version());
                     if (static_cast<int>(stored->size()) == page_size) {
                       response->set_next_page_token(std::to_string(stored->back().sequence));
                     }
                     reactor->Finish(grpc::Status::OK);
                   });
  });
}

}  // namespace casework::session
