// The records service assembled: the SQLite store, the page-token authenticator, the domain core,
// the gRPC handlers and the case-load metrics collector, built from one options struct and torn
// down in reverse order (collector, handlers, core, then the store, which finishes its queued
// work). main.cc and the in-process integration tests build it the same way.
#ifndef SERVICES_RECORDS_RECORDS_APP_H_
#define SERVICES_RECORDS_RECORDS_APP_H_

#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/records/case_load_metrics.h"
#include "services/records/domain/clock.h"
#include "services/records/domain/operations.h"
#include "services/records/domain/records_core.h"
#include "services/records/records_grpc_service.h"
#include "services/records/store/hmac_authenticator.h"
#include "services/records/store/sqlite_record_store.h"

namespace casework {

struct RecordsOptions {
  records::SqliteStoreOptions store;
  std::string page_token_key_file;  // empty: a random secret per process
  records::RecordsPolicy policy;
  absl::Duration metrics_refresh = absl::Seconds(15);
};

class RecordsApp {
 public:
  static absl::StatusOr<std::unique_ptr<RecordsApp>> Create(const RecordsOptions& options,
                                                            prometheus::Registry& registry,
                                                            const records::Clock& clock);

  RecordsGrpcService& service() { return *service_; }
  records::SqliteRecordStore& store() { return *store_; }
  CaseLoadMetrics& metrics() { return *metrics_; }

 private:
  RecordsApp() = default;
  std::unique_ptr<records::HmacAuthenticator> authenticator_;
  std::unique_ptr<records::SqliteRecordStore> store_;
  std::unique_ptr<records::RecordsCore> core_;
  std::unique_ptr<RecordsGrpcService> service_;
  std::unique_ptr<CaseLoadMetrics> metrics_;
};

}  // namespace casework

#endif  // SERVICES_RECORDS_RECORDS_APP_H_
