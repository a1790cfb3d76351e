// Quota usage for Prometheus, with a bounded number of series whatever the number of
// organisations:
//   casework_quota_usage_ratio{organization, quota}: usage / limit as last seen, for at most
//     `max_organizations` organisations (those nearest a limit; one not seen for 10 minutes goes
//     first). Alert CaseworkQuotaNearlyReached fires at 0.8.
//   casework_quota_refusals_total{quota}: calls refused for a quota.
#ifndef LIBS_QUOTA_QUOTA_METRICS_H_
#define LIBS_QUOTA_QUOTA_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <array>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/quota/quota_policy.h"

namespace casework::quota {

class QuotaUsageGauges {
 public:
  explicit QuotaUsageGauges(prometheus::Registry& registry, size_t max_organizations = 20,
                            std::function<absl::Time()> clock = absl::Now);

  // `organization` uses `usage` of its `limit` of `quota` (a limit of 0, no limit, is not shown).
  void Observe(absl::string_view organization, Quota quota, int64_t usage, int64_t limit);
  // A call was refused for `quota`.
  void Refused(Quota quota);

  size_t organizations() const;  // how many organisations have series now

 private:
  struct Shown {
    std::array<prometheus::Gauge*, kQuotaCount> gauges{};
    std::array<double, kQuotaCount> ratios{};
    absl::Time seen;
    double Highest() const;
  };
  // The organisation to make room by, or "" when `ratio` does not deserve a place.
  std::string Evictable(double ratio, absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_organizations_;
  const std::function<absl::Time()> clock_;
  prometheus::Family<prometheus::Gauge>& ratio_family_;
  std::array<prometheus::Counter*, kQuotaCount> refusals_{};
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Shown> shown_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casework::quota

#endif  // LIBS_QUOTA_QUOTA_METRICS_H_
