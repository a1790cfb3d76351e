// See quota_accounting.h.
#include "services/session/quota_accounting.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "libs/status/errors.h"

namespace casework::session {
namespace {

using quota::Quota;

std::string OrganizationOf(absl::string_view session_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(session_name, '/');
  return parts.size() > 1 ? std::string(parts[1]) : std::string();
}

}  // namespace

bool SessionOpen(const casework::v1::SessionSnapshot& state) {
  const casework::v1::SessionState s = state.session().state();
  return s != casework::v1::SESSION_STATE_UNSPECIFIED && s != casework::v1::SESSION_STATE_ENDED &&
         s != casework::v1::SESSION_STATE_CANCELLED;
}

QuotaCharge ChargeFor(absl::string_view session_name, bool open_before,
                      const casework::v1::SessionSnapshot& after,
                      const std::vector<casework::v1::SessionEvent>& events,
                      const quota::QuotaPolicy& policy, absl::Time now) {
  QuotaCharge charge;
  charge.account = true;
  charge.limits = policy.For(OrganizationOf(session_name));
  charge.now = now;
  charge.open_sessions = static_cast<int>(SessionOpen(after)) - static_cast<int>(open_before);
  for (const casework::v1::SessionEvent& event : events) {
    if (event.has_session_created()) charge.sessions_created = 1;
    if (event.has_contribution_added()) ++charge.contributions;
  }
  return charge;
}

void ObserveUsage(quota::QuotaUsageGauges& gauges, absl::string_view session_name,
                  const QuotaCharge& charge, const QuotaUsage& usage) {
  const std::string organization = OrganizationOf(session_name);
  const auto observe = [&](Quota which, int64_t value) {
    gauges.Observe(organization, which, value, charge.limits.Of(which));
  };
  observe(Quota::kOpenSessions, usage.open_sessions);
  observe(Quota::kLiveLogBytes, usage.live_log_bytes);
  if (charge.sessions_created > 0) observe(Quota::kSessionsPerHour, usage.created_this_hour);
  if (charge.contributions > 0) {
    observe(Quota::kContributionsPerMinute, usage.contributed_this_minute);
  }
}

void ObserveRefusal(quota::QuotaUsageGauges& gauges, const absl::Status& status) {
  if (ErrorReason(status) != "QUOTA_EXCEEDED") return;
  const std::string name = GetErrorInfo(status)->metadata().at("quota");
  for (int i = 0; i < quota::kQuotaCount; ++i) {
    if (quota::QuotaName(static_cast<Quota>(i)) == name) gauges.Refused(static_cast<Quota>(i));
  }
}

}  // namespace casework::session
