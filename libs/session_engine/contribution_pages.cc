// ListContributions pages: the request's checks, the page token and the scan.
#include "libs/session_engine/contribution_pages.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/session_projection.h"
#include "libs/status/status_macros.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

constexpr absl::string_view kTokenVersion = "c1";

// FNV-1a (64 bits): the same in every process and build, so any replica opens any replica's
// token (absl::Hash is seeded per process).
uint64_t Fingerprint(absl::string_view data) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

// What a token is bound to: the session and the filters.
std::string BindingOf(const v1::ListContributionsRequest& request) {
  std::string binding = absl::StrCat(request.parent(), "\n", request.phase_id(), "\n");
  for (int kind : request.kinds()) absl::StrAppend(&binding, kind, ",");
  return absl::StrCat(absl::Hex(Fingerprint(binding)));
}

std::string SealToken(int position, const v1::ListContributionsRequest& request) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kTokenVersion, ".", position, ".", BindingOf(request)));
}

// The position a token stands for (0 for the first page).
absl::StatusOr<int> OpenToken(const v1::ListContributionsRequest& request, int size) {
  if (request.page_token().empty()) return 0;
  std::string payload;
  std::vector<std::string> fields;
  if (absl::WebSafeBase64Unescape(request.page_token(), &payload)) {
    fields = absl::StrSplit(payload, '.');
  }
  int position = -1;
  if (fields.size() != 3 || fields[0] != kTokenVersion || !absl::SimpleAtoi(fields[1], &position) ||
      position < 0 || position > size || fields[2] != BindingOf(request)) {
    return FieldInvalid("page_token",
                        "is not a token this API issued for this session and these filters; "
                        "start again from the first page");
  }
  return position;
}

absl::Status CheckRequest(const v1::Session& session, const v1::ListContributionsRequest& request) {
  if (request.page_size() < 0) return FieldInvalid("page_size", "must not be negative");
  for (int i = 0; i < request.kinds_size(); ++i) {
    if (!v1::ContributionKind_IsValid(request.kinds(i)) ||
        request.kinds(i) == v1::CONTRIBUTION_KIND_UNSPECIFIED) {
      return FieldInvalid(absl::StrCat("kinds[", i, "]"), "must be a contribution kind");
    }
  }
  const auto& phases = session.phases();
  if (!request.phase_id().empty() &&
      std::none_of(phases.begin(), phases.end(), [&](const v1::SessionPhase& phase) {
        return phase.phase_id() == request.phase_id();
      })) {
    return FieldInvalid("phase_id", "must be the id of one of the session's phases");
  }
  return absl::OkStatus();
}

bool Matches(const v1::Contribution& c, const v1::ListContributionsRequest& request) {
  if (!request.phase_id().empty() && c.phase_id() != request.phase_id()) return false;
  const auto& kinds = request.kinds();
  return kinds.empty() || std::find(kinds.begin(), kinds.end(), c.kind()) != kinds.end();
}

}  // namespace

absl::StatusOr<v1::ListContributionsResponse> ListContributionsPage(
    const v1::SessionSnapshot& state, const v1::Principal& viewer,
    const v1::ListContributionsRequest& request) {
  const v1::Session& session = state.session();
  const int size = session.contributions_size();
  CASEWORK_RETURN_IF_ERROR(CheckRequest(session, request));
  CASEWORK_ASSIGN_OR_RETURN(const int start, OpenToken(request, size));
  const int page_size = request.page_size() == 0
                            ? kDefaultContributionPageSize
                            : std::min(request.page_size(), kMaxContributionPageSize);
  v1::ListContributionsResponse page;
  page.set_last_sequence(session.version());
  size_t bytes = 0;
  int position = start;  // the first contribution this page does not cover
  for (; position < size; ++position) {
    if (page.contributions_size() == page_size || bytes >= kMaxContributionPageBytes) break;
    const v1::Contribution& c = session.contributions(position);
    if (!Matches(c, request)) continue;
    v1::Contribution* out = page.add_contributions();
    *out = ProjectContribution(c, viewer);
    bytes += out->ByteSizeLong();
  }
  for (int next = position; next < size; ++next) {
    if (Matches(session.contributions(next), request)) {
      page.set_next_page_token(SealToken(position, request));
      break;
    }
  }
  return page;
}

}  // namespace casework::session
