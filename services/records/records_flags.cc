#include "services/records/records_flags.h"

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

ABSL_FLAG(std::string, store, "sqlite:casework-records.db",
          "where the records live: sqlite:PATH (WAL, synchronous=FULL; created when missing; one "
          "replica), or postgresql://USER@HOST:PORT/DB?sslmode=… (several replicas on one "
          "database; no password in the URI)");
ABSL_FLAG(std::string, store_password_file, "",
          "PostgreSQL password, first line of this file; empty: the PGPASSWORD environment "
          "variable or ~/.pgpass");
ABSL_FLAG(int, store_readers, 2, "reader threads (one database connection each)");
ABSL_FLAG(int, store_writers, 1,
          "PostgreSQL writer threads (one connection each; the pool holds readers + writers)");
ABSL_FLAG(int, store_queue_capacity, 20000,
          "queued calls per store queue before calls answer UNAVAILABLE (STORE_UNAVAILABLE)");
ABSL_FLAG(int, store_max_batch, 0,
          "write units per group commit; 0: the store's default (SQLite 512, PostgreSQL 256)");
ABSL_FLAG(std::string, page_token_key_file, "",
          "secret (>= 16 bytes) that signs page tokens, shared by replicas; empty: random per "
          "process");
ABSL_FLAG(absl::Duration, case_load_refresh, absl::Seconds(15),
          "how often the case-load metrics are recomputed from the store");
ABSL_FLAG(absl::Duration, retention_purge_interval, absl::Minutes(10),
          "how often closed cases and session records past their organisation's retention policy "
          "are purged (the first pass at start-up); 0 turns the purge off");
ABSL_FLAG(int, retention_purge_batch, 100,
          "resources the retention purge finds and deletes per round (one write unit each)");
ABSL_FLAG(std::string, stagnation_weeks, "6,8,8,16,16,8",
          "default weeks an open case may stay in stages 1..6 before it counts as stagnating "
          "(teams may set their own)");

namespace casework {

absl::StatusOr<RecordsOptions> RecordsOptionsFromFlags() {
  RecordsOptions options;
  if (absl::Status store = ConfigureStore(absl::GetFlag(FLAGS_store),
                                          absl::GetFlag(FLAGS_store_password_file), options);
      !store.ok()) {
    return store;
  }
  const int readers = absl::GetFlag(FLAGS_store_readers);
  const auto capacity = static_cast<size_t>(absl::GetFlag(FLAGS_store_queue_capacity));
  const int max_batch = absl::GetFlag(FLAGS_store_max_batch);
  options.store.readers = readers;
  options.store.queue_capacity = capacity;
  if (max_batch > 0) options.store.max_batch = static_cast<size_t>(max_batch);
  if (options.postgres.has_value()) {
    options.postgres->readers = readers;
    options.postgres->writers = absl::GetFlag(FLAGS_store_writers);
    options.postgres->queue_capacity = capacity;
    if (max_batch > 0) options.postgres->max_batch = static_cast<size_t>(max_batch);
  }
  options.page_token_key_file = absl::GetFlag(FLAGS_page_token_key_file);
  options.metrics_refresh = absl::GetFlag(FLAGS_case_load_refresh);
  options.retention.interval = absl::GetFlag(FLAGS_retention_purge_interval);
  options.retention.batch = absl::GetFlag(FLAGS_retention_purge_batch);
  if (options.retention.interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--retention_purge_interval must not be negative");
  }
  if (options.retention.batch < 1 || options.retention.batch > 1000) {
    return absl::InvalidArgumentError("--retention_purge_batch must be 1 to 1000");
  }
  std::vector<std::string> weeks = absl::StrSplit(absl::GetFlag(FLAGS_stagnation_weeks), ',');
  if (weeks.size() != 6) return absl::InvalidArgumentError("--stagnation_weeks needs 6 values");
  for (int stage = 1; stage <= 6; ++stage) {
    double value = 0;
    if (!absl::SimpleAtod(weeks[stage - 1], &value) || value < 1.0 / 7) {
      return absl::InvalidArgumentError("--stagnation_weeks values must be at least one day");
    }
    options.policy.stagnation.by_stage[stage] = absl::Hours(24 * 7) * value;
  }
  return options;
}

}  // namespace casework
