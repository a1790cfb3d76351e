// The records service assembled: the store (SQLite, or PostgreSQL for several replicas on one
// database), the page-token authenticator, the domain core, the gRPC handlers, the case-load
// metrics collector, the retention purge and the quota usage metrics, built from one options
// struct and torn down in reverse order (purge, collector, handlers, core, then the store, which
// finishes its queued work). main.cc and the in-process
// integration tests build it the same way.
#ifndef SERVICES_RECORDS_RECORDS_APP_H_
#define SERVICES_RECORDS_RECORDS_APP_H_

#include <prometheus/registry.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/quota/quota_metrics.h"
#include "services/records/case_load_metrics.h"
#include "services/records/domain/clock.h"
#include "services/records/domain/operations.h"
#include "services/records/domain/records_core.h"
#include "services/records/records_grpc_service.h"
#include "services/records/retention_purge.h"
#include "services/records/store/hmac_authenticator.h"
#include "services/records/store/postgres_record_store.h"
#include "services/records/store/sqlite_record_store.h"

namespace casework {

struct RecordsOptions {
  records::SqliteStoreOptions store;  // used unless `postgres` is set
  std::optional<records::PostgresStoreOptions> postgres;
  std::string page_token_key_file;  // empty: a random secret per process
  records::RecordsPolicy policy;    // policy.quotas: the --quota_file (QuotaPolicyFromFlags)
  absl::Duration metrics_refresh = absl::Seconds(15);
  RetentionPurgeOptions retention;
};

// Sets the store of `options` from a --store value: `sqlite:PATH`, or a `postgresql://` (or
// `postgres://`) URI whose password, if the database asks for one, comes from `password_file`
// (first line) or libpq's PGPASSWORD — never from the URI, which ends up in process lists and
// manifests. INVALID_ARGUMENT names the problem without echoing a secret.
absl::Status ConfigureStore(const std::string& spec, const std::string& password_file,
                            RecordsOptions& options);

class RecordsApp {
 public:
  static absl::StatusOr<std::unique_ptr<RecordsApp>> Create(const RecordsOptions& options,
                                                            prometheus::Registry& registry,
                                                            const records::Clock& clock);

  RecordsGrpcService& service() { return *service_; }
  records::RecordStore& store() { return *store_; }
  // Transactions the store has committed (each a group of write units).
  int64_t store_commits() const;
  CaseLoadMetrics& metrics() { return *metrics_; }
  RetentionPurge& retention() { return *retention_; }

 private:
  RecordsApp() = default;
  // Before the store: the store's queued work reports to them until it is destroyed.
  std::unique_ptr<quota::QuotaUsageGauges> quota_gauges_;
  std::unique_ptr<records::QuotaUsageSink> quota_usage_;
  std::unique_ptr<records::HmacAuthenticator> authenticator_;
  std::unique_ptr<records::RecordStore> store_;
  records::SqliteRecordStore* sqlite_ = nullptr;      // store_, when on SQLite
  records::PostgresRecordStore* postgres_ = nullptr;  // store_, when on PostgreSQL
  std::unique_ptr<records::RecordsCore> core_;
  std::unique_ptr<RecordsGrpcService> service_;
  std::unique_ptr<CaseLoadMetrics> metrics_;
  std::unique_ptr<RetentionPurge> retention_;
};

}  // namespace casework

#endif  // SERVICES_RECORDS_RECORDS_APP_H_
