// The case load as Prometheus metrics, refreshed by a background collector so a scrape only
// reads gauges and never touches the database:
//   casework_open_cases{team,risk}                 open cases per risk level
//   casework_cases_in_stage{team,stage}            open cases per helping-process stage (1–6)
//   casework_stagnating_cases{team,risk}           open cases longer in their stage than allowed
//   casework_action_items_overdue{team,owner_role} open action items past their due time
//   casework_caseworker_open_cases{team}           histogram of open cases across caseworkers
//   casework_case_load_refresh_timestamp_seconds   when the collector last succeeded
// `team` is the team's resource name (organizations/{o}/teams/{t}); no label holds a case or a
// person, so the number of series grows with teams only. Every known team exports every series,
// zeros included.
#ifndef SERVICES_RECORDS_CASE_LOAD_METRICS_H_
#define SERVICES_RECORDS_CASE_LOAD_METRICS_H_

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "casework/v1/case_load_review.pb.h"
#include "services/records/domain/case_rules.h"
#include "services/records/domain/clock.h"
#include "services/records/domain/record_store.h"

namespace casework {

class CaseLoadMetrics {
 public:
  // Starts the collector, refreshing every `interval` (the first refresh runs at once).
  CaseLoadMetrics(prometheus::Registry& registry, records::RecordStore& store,
                  const records::Clock& clock, records::StagnationDefaults stagnation,
                  absl::Duration interval);
  ~CaseLoadMetrics();  // stops the collector

  // Reads the store and republishes; blocks, so never call it on a gRPC thread.
  absl::Status RefreshNow();

 private:
  struct TeamSeries {
    std::vector<prometheus::Gauge*> by_risk;     // LOW, MEDIUM, HIGH
    std::vector<prometheus::Gauge*> by_stage;    // stages 1–6
    std::vector<prometheus::Gauge*> stagnating;  // LOW, MEDIUM, HIGH
    std::vector<prometheus::Gauge*> overdue;     // supervisor, caseworker
    prometheus::Histogram* caseworker_loads = nullptr;
  };
  void Run();
  void Publish(const std::vector<casework::v1::CaseLoadReview>& reviews)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_);
  TeamSeries& SeriesFor(const std::string& team) ABSL_EXCLUSIVE_LOCKS_REQUIRED(publish_mu_);

  records::RecordStore& store_;
  const records::Clock& clock_;
  const records::StagnationDefaults stagnation_;
  const absl::Duration interval_;

  prometheus::Family<prometheus::Gauge>& open_cases_;
  prometheus::Family<prometheus::Gauge>& cases_in_stage_;
  prometheus::Family<prometheus::Gauge>& stagnating_;
  prometheus::Family<prometheus::Gauge>& overdue_;
  prometheus::Family<prometheus::Histogram>& caseworker_open_cases_;
  prometheus::Gauge& refreshed_;

  absl::Mutex publish_mu_;
  std::map<std::string, TeamSeries> teams_ ABSL_GUARDED_BY(publish_mu_);

  absl::Mutex stop_mu_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread collector_;
};

}  // namespace casework

#endif  // SERVICES_RECORDS_CASE_LOAD_METRICS_H_
