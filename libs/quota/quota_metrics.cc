// See quota_metrics.h.
#include "libs/quota/quota_metrics.h"

#include <algorithm>

namespace casework::quota {
namespace {

constexpr absl::Duration kStale = absl::Minutes(10);

}  // namespace

double QuotaUsageGauges::Shown::Highest() const {
  return *std::max_element(ratios.begin(), ratios.end());
}

QuotaUsageGauges::QuotaUsageGauges(prometheus::Registry& registry, size_t max_organizations,
                                   std::function<absl::Time()> clock)
    : max_organizations_(max_organizations),
      clock_(std::move(clock)),
      ratio_family_(prometheus::BuildGauge()
                        .Name("casework_quota_usage_ratio")
                        .Help("An organisation's usage of a quota over its limit, as last seen; "
                              "for the organisations nearest a limit only (bounded series).")
                        .Register(registry)) {
  auto& refusals = prometheus::BuildCounter()
                       .Name("casework_quota_refusals_total")
                       .Help("Calls refused RESOURCE_EXHAUSTED QUOTA_EXCEEDED, by quota.")
                       .Register(registry);
  for (int i = 0; i < kQuotaCount; ++i) {
    refusals_[i] = &refusals.Add({{"quota", std::string(QuotaName(static_cast<Quota>(i)))}});
  }
}

std::string QuotaUsageGauges::Evictable(double ratio, absl::Time now) const {
  std::string victim;
  double lowest = ratio;
  for (const auto& [organization, shown] : shown_) {
    if (now - shown.seen > kStale) return organization;
    if (shown.Highest() < lowest) {
      lowest = shown.Highest();
      victim = organization;
    }
  }
  return victim;
}

void QuotaUsageGauges::Observe(absl::string_view organization, Quota quota, int64_t usage,
                               int64_t limit) {
  if (limit <= 0) return;
  const double ratio = static_cast<double>(usage) / static_cast<double>(limit);
  const absl::Time now = clock_();
  absl::MutexLock lock(&mu_);
  auto it = shown_.find(organization);
  if (it == shown_.end()) {
    if (shown_.size() >= max_organizations_) {
      const std::string victim = Evictable(ratio, now);
      if (victim.empty()) return;
      for (prometheus::Gauge* gauge : shown_[victim].gauges) {
        if (gauge != nullptr) ratio_family_.Remove(gauge);
      }
      shown_.erase(victim);
    }
    it = shown_.emplace(std::string(organization), Shown()).first;
  }
  Shown& shown = it->second;
  const int index = static_cast<int>(quota);
  if (shown.gauges[index] == nullptr) {
    shown.gauges[index] = &ratio_family_.Add(
        {{"organization", std::string(organization)}, {"quota", std::string(QuotaName(quota))}});
  }
  shown.gauges[index]->Set(ratio);
  shown.ratios[index] = ratio;
  shown.seen = now;
}

void QuotaUsageGauges::Refused(Quota quota) { refusals_[static_cast<int>(quota)]->Increment(); }

size_t QuotaUsageGauges::organizations() const {
  absl::MutexLock lock(&mu_);
  return shown_.size();
}

}  // namespace casework::quota
