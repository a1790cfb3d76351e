// See watcher_quota.h.
#include "services/notification/watcher_quota.h"

#include <utility>

namespace casework::notification {
namespace {

constexpr absl::string_view kServiceOrganization = "*";

}  // namespace

WatcherQuota::Lease::Lease(Lease&& other) noexcept
    : quota_(std::exchange(other.quota_, nullptr)), organization_(std::move(other.organization_)) {}

WatcherQuota::Lease& WatcherQuota::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    quota_ = std::exchange(other.quota_, nullptr);
    organization_ = std::move(other.organization_);
  }
  return *this;
}

WatcherQuota::Lease::~Lease() { Release(); }

void WatcherQuota::Lease::Release() {
  if (quota_ == nullptr) return;
  std::exchange(quota_, nullptr)->Release(organization_);
}

WatcherQuota::WatcherQuota(quota::QuotaPolicy policy, quota::QuotaUsageGauges& gauges)
    : policy_(std::move(policy)), gauges_(gauges) {}

absl::StatusOr<WatcherQuota::Lease> WatcherQuota::Admit(absl::string_view organization) {
  if (organization == kServiceOrganization) return Lease();
  const int64_t limit = policy_.For(organization).Of(quota::Quota::kWatchers);
  absl::MutexLock lock(&mu_);
  auto it = open_.find(organization);
  const int64_t usage = it == open_.end() ? 0 : it->second;
  if (limit > 0 && usage >= limit) {
    gauges_.Refused(quota::Quota::kWatchers);
    return quota::QuotaRefusal(quota::Quota::kWatchers, organization, usage, limit, kRetryAfter);
  }
  if (it == open_.end()) it = open_.emplace(std::string(organization), 0).first;
  ++it->second;
  // Under the mutex: the gauge shows the last count, not whichever of two racing updates ran last.
  gauges_.Observe(organization, quota::Quota::kWatchers, it->second, limit);
  return Lease(this, it->first);
}

void WatcherQuota::Release(const std::string& organization) {
  const int64_t limit = policy_.For(organization).Of(quota::Quota::kWatchers);
  absl::MutexLock lock(&mu_);
  auto it = open_.find(organization);
  if (it == open_.end()) return;  // unreachable: every lease was counted
  const int64_t usage = --it->second;
  gauges_.Observe(organization, quota::Quota::kWatchers, usage, limit);
  if (usage <= 0) open_.erase(it);
}

int64_t WatcherQuota::open(absl::string_view organization) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(organization);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace casework::notification
