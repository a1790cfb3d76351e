// See open_case_counts.h.
#include "services/records/domain/open_case_counts.h"

namespace casework::records {

std::optional<int64_t> OpenCaseCounts::AdmitFarBelow(absl::string_view organization, int64_t limit,
                                                     absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = known_.find(organization);
  if (it == known_.end() || now - it->second.counted_at > kFresh ||
      it->second.count + kExactMargin >= limit) {
    return std::nullopt;
  }
  return it->second.count++;
}

void OpenCaseCounts::Counted(absl::string_view organization, int64_t count, absl::Time now) {
  absl::MutexLock lock(&mu_);
  known_[organization] = Known{count, now};
}

}  // namespace casework::records
