// SessionService.ListSessions: the team's sessions, newest scheduled first, from the team index
// in Redis, each loaded from its snapshot and filtered. Team members see every session of their
// team so they can find one to join; a session they may not read (not a participant, creator or
// the team's supervisor) is listed with only what a joiner needs: name, protocol, state, times.
#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/list_filter/list_filter.h"
#include "libs/server/grpc_status.h"
#include "libs/server/request_bounds.h"
#include "libs/session_engine/session_names.h"
#include "libs/session_engine/session_projection.h"
#include "libs/status/errors.h"
#include "services/session/session_grpc_service.h"

namespace casework::session {
namespace {

using casework::v1::Principal;
using casework::v1::Session;
using casework::v1::SessionSnapshot;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;

// The snapshots of one page, loaded concurrently; answers when the last one is in.
struct PageLoad {
  absl::Mutex mu;
  std::vector<absl::StatusOr<SessionSnapshot>> states;
  int pending = 0;
};

// Answers with the page's snapshots (in index order) and how many names the index listed.
using PageDone = absl::AnyInvocable<void(std::vector<absl::StatusOr<SessionSnapshot>>, size_t) &&>;

void LoadPage(SessionIndex& index, CommandRunner& runner, const std::string& team, int64_t offset,
              int page_size, PageDone finish) {
  index.ListTeam(team, offset, page_size,
                 [&runner, finish = std::move(finish)](
                     absl::StatusOr<std::vector<std::string>> names) mutable {
                   if (!names.ok()) {
                     std::vector<absl::StatusOr<SessionSnapshot>> failed{names.status()};
                     std::move(finish)(std::move(failed), 0);
                     return;
                   }
                   if (names->empty()) {
                     std::move(finish)({}, 0);
                     return;
                   }
                   auto load = std::make_shared<PageLoad>();
                   load->states.resize(names->size(), absl::UnknownError("not loaded"));
                   load->pending = static_cast<int>(names->size());
                   auto shared_finish = std::make_shared<PageDone>(std::move(finish));
                   const size_t listed = names->size();
                   for (size_t i = 0; i < names->size(); ++i) {
                     runner.Load((*names)[i], [load, i, listed, shared_finish](
                                                  absl::StatusOr<SessionSnapshot> state) {
                       bool last;
                       {
                         absl::MutexLock lock(&load->mu);
                         load->states[i] = std::move(state);
                         last = --load->pending == 0;
                       }
                       if (last) std::move (*shared_finish)(std::move(load->states), listed);
                     });
                   }
                 });
}

}  // namespace

SessionGrpcService::Reactor* SessionGrpcService::ListSessions(
    Context* context, const casework::v1::ListSessionsRequest* request,
    casework::v1::ListSessionsResponse* response) {
  Reactor* reactor = context->DefaultReactor();
  absl::StatusOr<Principal> caller = AdmitCall(*context, *request);
  absl::Status checked = caller.ok() ? CheckTeamName(request->parent(), *caller) : caller.status();
  int64_t offset = 0;
  if (checked.ok() && !request->page_token().empty() &&
      (!absl::SimpleAtoi(request->page_token(), &offset) || offset < 0)) {
    checked = InvalidArgument("FIELD_INVALID", {{"page_token", "is not a token this API issued"}});
  }
  if (checked.ok() && request->page_size() < 0) {
    checked = InvalidArgument("FIELD_INVALID", {{"page_size", "must not be negative"}});
  }
  absl::StatusOr<ListFilter> filter =
      ListFilter::Parse(request->filter(), *Session::descriptor(),
                        {"state", "protocol_id", "case", "facilitator", "scheduled_start_time"});
  if (checked.ok() && !filter.ok()) checked = filter.status();
  if (!checked.ok()) {
    reactor->Finish(ToGrpcStatus(checked));
    return reactor;
  }
  const int page_size =
      request->page_size() == 0 ? kDefaultPageSize : std::min(request->page_size(), kMaxPageSize);
  const casework::v1::SessionView view = request->view() == casework::v1::SESSION_VIEW_UNSPECIFIED
                                             ? casework::v1::SESSION_VIEW_BASIC
                                             : request->view();
  PageDone finish = [reactor, response, view, offset, page_size, caller = *caller,
                     filter = *std::move(filter)](
                        std::vector<absl::StatusOr<SessionSnapshot>> states, size_t listed) {
    for (absl::StatusOr<SessionSnapshot>& state : states) {
      if (!state.ok()) {
        if (state.status().code() == absl::StatusCode::kNotFound) continue;  // index ahead of log
        reactor->Finish(ToGrpcStatus(state.status()));
        return;
      }
      const Session& session = state->session();
      if (!filter.Matches(session)) continue;
      *response->add_sessions() = MayReadSession(*state, caller)
                                      ? ProjectSession(*state, caller, view)
                                      : ListingOf(session);
    }
    if (listed == static_cast<size_t>(page_size)) {
      response->set_next_page_token(std::to_string(offset + page_size));
    }
    reactor->Finish(grpc::Status::OK);
  };
  AdmitMember(*std::move(caller), request->parent(), TeamNotFound(), reactor,
              [this, request, offset, page_size, finish = std::move(finish)](Principal) mutable {
                LoadPage(index_, runner_, request->parent(), offset, page_size, std::move(finish));
              });
  return reactor;
}

}  // namespace casework::session
