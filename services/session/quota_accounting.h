// What a session command counts against its organisation's quotas (libs/quota): the charge an
// append carries (the append script checks and counts it atomically, append_events.lua), and the
// usage it reports back, for the bounded per-organisation gauges.
#ifndef SERVICES_SESSION_QUOTA_ACCOUNTING_H_
#define SERVICES_SESSION_QUOTA_ACCOUNTING_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"
#include "libs/quota/quota_metrics.h"
#include "libs/quota/quota_policy.h"
#include "libs/session_log/redis_event_log.h"

namespace casework::session {

// Created and neither ended nor cancelled: what the open-sessions quota counts.
bool SessionOpen(const casework::v1::SessionSnapshot& state);

// The charge of appending `events` to `session_name`, which was open (`open_before`) and is
// `after` once they are folded in.
QuotaCharge ChargeFor(absl::string_view session_name, bool open_before,
                      const casework::v1::SessionSnapshot& after,
                      const std::vector<casework::v1::SessionEvent>& events,
                      const quota::QuotaPolicy& policy, absl::Time now);

// The organisation's usage after an accounted append, against its limits.
void ObserveUsage(quota::QuotaUsageGauges& gauges, absl::string_view session_name,
                  const QuotaCharge& charge, const QuotaUsage& usage);

// Counts a QUOTA_EXCEEDED refusal under its quota (other statuses are ignored).
void ObserveRefusal(quota::QuotaUsageGauges& gauges, const absl::Status& status);

}  // namespace casework::session

#endif  // SERVICES_SESSION_QUOTA_ACCOUNTING_H_
