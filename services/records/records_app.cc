// Builds the records service's parts in dependency order.
#include "services/records/records_app.h"

#include "libs/status/status_macros.h"

namespace casework {

absl::StatusOr<std::unique_ptr<RecordsApp>> RecordsApp::Create(const RecordsOptions& options,
                                                               prometheus::Registry& registry,
                                                               const records::Clock& clock) {
  std::unique_ptr<RecordsApp> app(new RecordsApp);
  if (options.page_token_key_file.empty()) {
    app->authenticator_ = records::HmacAuthenticator::WithRandomSecret();
  } else {
    CASEWORK_ASSIGN_OR_RETURN(app->authenticator_,
                              records::HmacAuthenticator::FromFile(options.page_token_key_file));
  }
  CASEWORK_ASSIGN_OR_RETURN(app->store_, records::SqliteRecordStore::Open(options.store, clock));
  app->core_ = std::make_unique<records::RecordsCore>(*app->store_, clock, *app->authenticator_,
                                                      options.policy);
  app->service_ = std::make_unique<RecordsGrpcService>(*app->core_);
  app->metrics_ = std::make_unique<CaseLoadMetrics>(
      registry, *app->store_, clock, options.policy.stagnation, options.metrics_refresh);
  return app;
}

}  // namespace casework
