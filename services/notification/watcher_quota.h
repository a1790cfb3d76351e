// The per-organisation quota of open watch streams on this replica (quota::Quota::kWatchers): the
// WatchSession and WatchOrganization streams an organisation holds open here, counted from their
// admission to the end of the call. A stream beyond the organisation's limit is refused
// RESOURCE_EXHAUSTED QUOTA_EXCEEDED before it costs anything (no Redis read, no records call). A
// service identity (organisation "*") is not counted.
#ifndef SERVICES_NOTIFICATION_WATCHER_QUOTA_H_
#define SERVICES_NOTIFICATION_WATCHER_QUOTA_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/quota/quota_metrics.h"
#include "libs/quota/quota_policy.h"

namespace casework::notification {

class WatcherQuota {
 public:
  // One admitted stream; its organisation's count drops when it is destroyed (the stream's
  // reactor holds it until gRPC is done with the call: every end, whatever its cause). Move-only;
  // a default-constructed lease counts nothing.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

   private:
    friend class WatcherQuota;
    Lease(WatcherQuota* quota, std::string organization)
        : quota_(quota), organization_(std::move(organization)) {}
    void Release();

    WatcherQuota* quota_ = nullptr;
    std::string organization_;
  };

  // How long a refused client is asked to wait (RetryInfo).
  static constexpr absl::Duration kRetryAfter = absl::Seconds(5);

  // `gauges` must outlive this object, which must outlive every lease.
  WatcherQuota(quota::QuotaPolicy policy, quota::QuotaUsageGauges& gauges);

  // A lease for one more stream of `organization`, or RESOURCE_EXHAUSTED QUOTA_EXCEEDED when it
  // holds its limit already (limit 0: no limit).
  absl::StatusOr<Lease> Admit(absl::string_view organization);

  // Open streams of `organization` counted now.
  int64_t open(absl::string_view organization) const;

 private:
  void Release(const std::string& organization);

  const quota::QuotaPolicy policy_;
  quota::QuotaUsageGauges& gauges_;
  mutable absl::Mutex mu_;
  // Organisations with at least one open stream.
  absl::flat_hash_map<std::string, int64_t> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_WATCHER_QUOTA_H_
