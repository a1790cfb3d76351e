// Per-organisation quotas: what one organisation may hold or do, so that no organisation can
// deny service to the others (issue 19). Deployment-wide defaults, per-organisation overrides,
// read from one JSON file every service loads (`--quota_file`):
//
//   {"defaults": {"open_sessions": 1000, "sessions_per_hour": 600},
//    "organizations": {"acme-social": {"open_sessions": 5000}}}
//
// Any limit left out keeps the built-in default; 0 means no limit. A refusal is
// RESOURCE_EXHAUSTED, reason QUOTA_EXCEEDED, with a google.rpc.QuotaFailure naming the
// organisation and the limit, and a google.rpc.RetryInfo where waiting helps (the rates).
#ifndef LIBS_QUOTA_QUOTA_POLICY_H_
#define LIBS_QUOTA_QUOTA_POLICY_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace casework::quota {

enum class Quota {
  kOpenSessions,            // sessions not ended or cancelled (session service)
  kSessionsPerHour,         // sessions created per clock hour (session service)
  kContributionsPerMinute,  // contributions per clock minute (session service)
  kLiveLogBytes,            // bytes of the organisation's live session logs in Redis (session)
  kOpenCases,               // cases not closed (records service)
  kWatchers,                // open WatchSession and WatchOrganization streams (per replica)
};
inline constexpr int kQuotaCount = 6;

// "open_sessions", "sessions_per_hour", ...: the key in the file, the label in metrics and the
// ErrorInfo metadata.
absl::string_view QuotaName(Quota quota);

struct QuotaLimits {
  // The built-in defaults: far above what a real organisation does (a hundred groups meeting at
  // once contribute a few hundred a minute), low enough that one organisation cannot take a
  // replica's capacity or fill a Redis of a few GiB.
  std::array<int64_t, kQuotaCount> limit = {
      5'000,        // open sessions
      3'600,        // sessions created per hour
      30'000,       // contributions per minute
      512ll << 20,  // live-log bytes (512 MiB)
      200'000,      // open cases
      2'000,        // watchers per replica
  };
  int64_t Of(Quota quota) const { return limit[static_cast<int>(quota)]; }
};

class QuotaPolicy {
 public:
  QuotaPolicy() = default;  // the built-in defaults for everyone
  // The policy in `path` ("" → the built-in defaults). INVALID_ARGUMENT names what is wrong.
  static absl::StatusOr<QuotaPolicy> FromFile(const std::string& path);
  static absl::StatusOr<QuotaPolicy> FromJson(absl::string_view json);

  const QuotaLimits& For(absl::string_view organization) const;
  const QuotaLimits& defaults() const { return defaults_; }

 private:
  QuotaLimits defaults_;
  absl::flat_hash_map<std::string, QuotaLimits> overrides_;
};

// RESOURCE_EXHAUSTED QUOTA_EXCEEDED: `organization` is at `usage` of its `limit` of `quota`;
// `retry_after` > 0 adds a RetryInfo. Metadata: "quota", "limit", "usage".
absl::Status QuotaRefusal(Quota quota, absl::string_view organization, int64_t usage, int64_t limit,
                          absl::Duration retry_after);

}  // namespace casework::quota

#endif  // LIBS_QUOTA_QUOTA_POLICY_H_
