// The background collector of the case-load metrics.
#include "services/records/case_load_metrics.h"

#include "absl/synchronization/notification.h"
#include "libs/server/json_log.h"
#include "services/records/domain/operations.h"

namespace casework {
namespace {

const std::vector<double>& LoadBuckets() {
  static const auto* buckets = new std::vector<double>{0, 1, 2, 5, 10, 15, 20, 30, 50, 100};
  return *buckets;
}

}  // namespace

CaseLoadMetrics::CaseLoadMetrics(prometheus::Registry& registry, records::RecordStore& store,
                                 const records::Clock& clock,
                                 records::StagnationDefaults stagnation, absl::Duration interval)
    : store_(store),
      clock_(clock),
      stagnation_(stagnation),
      interval_(interval),
      open_cases_(prometheus::BuildGauge()
                      .Name("casework_open_cases")
                      .Help("Open cases of a team per risk level.")
                      .Register(registry)),
      cases_in_stage_(prometheus::BuildGauge()
                          .Name("casework_cases_in_stage")
                          .Help("Open cases of a team per helping-process stage (1-6).")
                          .Register(registry)),
      stagnating_(prometheus::BuildGauge()
                      .Name("casework_stagnating_cases")
                      .Help("Open cases of a team longer in their stage than the threshold, "
                            "per risk level.")
                      .Register(registry)),
      overdue_(prometheus::BuildGauge()
                   .Name("casework_action_items_overdue")
                   .Help("Open action items of a team past their due time, per owner role.")
                   .Register(registry)),
      caseworker_open_cases_(prometheus::BuildHistogram()
                                 .Name("casework_caseworker_open_cases")
                                 .Help("Open cases per caseworker of a team, as a distribution "
                                       "at the last refresh.")
                                 .Register(registry)),
      refreshed_(prometheus::BuildGauge()
                     .Name("casework_case_load_refresh_timestamp_seconds")
                     .Help("When the case-load metrics were last refreshed from the store.")
                     .Register(registry)
                     .Add({})) {
  collector_ = std::thread([this] { Run(); });
}

CaseLoadMetrics::~CaseLoadMetrics() {
  {
    absl::MutexLock lock(&stop_mu_);
    stopping_ = true;
  }
  collector_.join();
}

void CaseLoadMetrics::Run() {
  while (true) {
    if (absl::Status refreshed = RefreshNow(); !refreshed.ok()) {
      Log(LogSeverity::kWarning, "case-load metrics not refreshed",
          {{"error", std::string(refreshed.message())}});
    }
    absl::MutexLock lock(&stop_mu_);
    stop_mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_);
    if (stopping_) return;
  }
}

absl::Status CaseLoadMetrics::RefreshNow() {
  absl::Notification done;
  absl::StatusOr<std::vector<casework::v1::CaseLoadReview>> reviews;
  store_.Read(
      [&](records::RecordReader& reader) -> absl::StatusOr<std::string> {
        reviews = records::ops::ReviewEveryTeam(reader, clock_.Now(), stagnation_);
        if (!reviews.ok()) return reviews.status();
        return std::string();
      },
      std::nullopt,
      [&](absl::StatusOr<std::string> result) {
        if (!result.ok()) reviews = result.status();
        done.Notify();
      });
  done.WaitForNotification();
  if (!reviews.ok()) return reviews.status();
  absl::MutexLock lock(&publish_mu_);
  Publish(*reviews);
  refreshed_.Set(absl::ToDoubleSeconds(clock_.Now() - absl::UnixEpoch()));
  return absl::OkStatus();
}

CaseLoadMetrics::TeamSeries& CaseLoadMetrics::SeriesFor(const std::string& team) {
  auto [it, added] = teams_.try_emplace(team);
  TeamSeries& series = it->second;
  if (!added) return series;
  for (const char* risk : {"low", "medium", "high"}) {
    series.by_risk.push_back(&open_cases_.Add({{"team", team}, {"risk", risk}}));
    series.stagnating.push_back(&stagnating_.Add({{"team", team}, {"risk", risk}}));
  }
  for (int stage = 1; stage <= 6; ++stage) {
    series.by_stage.push_back(
        &cases_in_stage_.Add({{"team", team}, {"stage", std::to_string(stage)}}));
  }
  for (const char* role : {"supervisor", "caseworker"}) {
    series.overdue.push_back(&overdue_.Add({{"team", team}, {"owner_role", role}}));
  }
  return series;
}

void CaseLoadMetrics::Publish(const std::vector<casework::v1::CaseLoadReview>& reviews) {
  for (const casework::v1::CaseLoadReview& review : reviews) {
    const std::string team = review.name().substr(0, review.name().rfind('/'));
    TeamSeries& series = SeriesFor(team);
    for (const auto& count : review.by_risk_level()) {
      if (count.risk_level() >= 1 && count.risk_level() <= 3) {
        series.by_risk[count.risk_level() - 1]->Set(count.open_cases());
        series.stagnating[count.risk_level() - 1]->Set(count.stagnating_cases());
      }
    }
    for (const auto& count : review.by_stage()) {
      if (count.stage() >= 1 && count.stage() <= 6) {
        series.by_stage[count.stage() - 1]->Set(count.open_cases());
      }
    }
    for (const auto& count : review.overdue_action_items()) {
      if (count.owner_role() >= 1 && count.owner_role() <= 2) {
        series.overdue[count.owner_role() - 1]->Set(count.overdue_action_items());
      }
    }
    // A histogram of the current distribution: prometheus-cpp 1.0 cannot reset one, so the
    // team's histogram is replaced (a scrape in that instant may miss it once).
    if (series.caseworker_loads != nullptr) caseworker_open_cases_.Remove(series.caseworker_loads);
    prometheus::Histogram& loads = caseworker_open_cases_.Add({{"team", team}}, LoadBuckets());
    for (const auto& load : review.caseworker_loads()) loads.Observe(load.open_cases());
    series.caseworker_loads = &loads;
  }
}

}  // namespace casework
