// casework-records: confidential case records, team meetings, action items and the case-load
// review. Flags become options; then serve until SIGTERM, drain, and close the store.
#include <iostream>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "libs/server/server_flags.h"
#include "libs/server/server_main.h"
#include "libs/server/shutdown_signal.h"
#include "services/records/records_app.h"
#include "services/records/records_flags.h"

namespace {

constexpr int kGrpcPort = 50052;
constexpr int kMetricsPort = 9465;

}  // namespace

int main(int argc, char** argv) {
  casework::BlockTerminationSignals();  // before any thread starts
  absl::SetProgramUsageMessage(
      "casework-records: confidential case records, team meetings, action items and the case-load "
      "review.");
  absl::ParseCommandLine(argc, argv);

  absl::StatusOr<casework::ServerOptions> options =
      casework::ConfigureServerFromFlags("records", kGrpcPort, kMetricsPort);
  absl::StatusOr<casework::RecordsOptions> records = casework::RecordsOptionsFromFlags();
  absl::StatusOr<casework::quota::QuotaPolicy> quotas = casework::QuotaPolicyFromFlags();
  if (!options.ok() || !records.ok() || !quotas.ok()) {
    std::cerr << "casework-records: "
              << (!options.ok()   ? options.status()
                  : !records.ok() ? records.status()
                                  : quotas.status())
                     .message()
              << "\n";
    return 2;
  }
  records->policy.quotas = *std::move(quotas);
  absl::StatusOr<std::unique_ptr<casework::MetricsEndpoint>> metrics =
      casework::MetricsEndpoint::Start(options->metrics_address);
  if (!metrics.ok()) {
    std::cerr << "casework-records: " << metrics.status().message() << "\n";
    return 1;
  }
  casework::records::SystemClock clock;
  absl::StatusOr<std::unique_ptr<casework::RecordsApp>> app =
      casework::RecordsApp::Create(*records, (*metrics)->registry(), clock);
  if (!app.ok()) {
    std::cerr << "casework-records: " << app.status().message() << "\n";
    return 1;
  }
  absl::Status served = casework::ServeUntilTerminated(
      *options, **metrics,
      {{&(*app)->service(), casework::v1::RecordsService::service_full_name()}});
  if (!served.ok()) {
    std::cerr << "casework-records: " << served.message() << "\n";
    return 1;
  }
  return 0;
}
