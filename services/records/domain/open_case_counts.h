// What CreateCase knows of each organisation's open cases between exact counts. Counting is an
// index scan that grows with the organisation's cases (about 7 ms at 100,000 on SQLite, on the
// one writer thread), so CreateCase counts exactly only near the limit: far below it, the last
// exact count (at most `kFresh` old) plus this replica's creates since stands in. The margin,
// `kExactMargin`, is more cases than every replica together can create in `kFresh` (the stores
// manage a few hundred a second), so the estimate cannot let an organisation pass its limit.
// Closing cases only makes the estimate high, which leads to an exact count sooner. Thread-safe.
#ifndef SERVICES_RECORDS_DOMAIN_OPEN_CASE_COUNTS_H_
#define SERVICES_RECORDS_DOMAIN_OPEN_CASE_COUNTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace casework::records {

class OpenCaseCounts {
 public:
  static constexpr absl::Duration kFresh = absl::Seconds(10);
  static constexpr int64_t kExactMargin = 10'000;

  // The estimate of `organization`'s open cases when it stands far enough below `limit` to admit
  // one more without counting (and then counts that one); nullopt: count exactly.
  std::optional<int64_t> AdmitFarBelow(absl::string_view organization, int64_t limit,
                                       absl::Time now);
  // An exact count, made at `now`.
  void Counted(absl::string_view organization, int64_t count, absl::Time now);

 private:
  struct Known {
    int64_t count = 0;
    absl::Time counted_at;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Known> known_ ABSL_GUARDED_BY(mu_);
};

}  // namespace casework::records

#endif  // SERVICES_RECORDS_DOMAIN_OPEN_CASE_COUNTS_H_
