// Builds the records service's parts in dependency order.
#include "services/records/records_app.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "libs/status/status_macros.h"

namespace casework {
namespace {

// The core's quota usage, as casework_quota_usage_ratio and casework_quota_refusals_total.
class QuotaGaugesSink final : public records::QuotaUsageSink {
 public:
  explicit QuotaGaugesSink(quota::QuotaUsageGauges& gauges) : gauges_(gauges) {}
  void Observe(absl::string_view organization, quota::Quota quota, int64_t usage,
               int64_t limit) override {
    gauges_.Observe(organization, quota, usage, limit);
  }
  void Refused(quota::Quota quota) override { gauges_.Refused(quota); }

 private:
  quota::QuotaUsageGauges& gauges_;
};

}  // namespace

absl::Status ConfigureStore(const std::string& spec, const std::string& password_file,
                            RecordsOptions& options) {
  if (absl::StartsWith(spec, "sqlite:") && spec.size() > 7) {
    if (!password_file.empty()) {
      return absl::InvalidArgumentError("--store_password_file is for a PostgreSQL --store");
    }
    options.store.path = spec.substr(7);
    options.postgres.reset();
    return absl::OkStatus();
  }
  if (!absl::StartsWith(spec, "postgresql://") && !absl::StartsWith(spec, "postgres://")) {
    return absl::InvalidArgumentError("--store must be sqlite:PATH or postgresql://…");
  }
  records::PostgresStoreOptions postgres;
  postgres.connection.conninfo = spec;
  CASEWORK_RETURN_IF_ERROR(records::CheckConnInfo(spec));
  if (!password_file.empty()) {
    std::ifstream file(password_file);
    std::stringstream content;
    content << file.rdbuf();
    if (!file) return absl::InvalidArgumentError("cannot read --store_password_file");
    postgres.connection.password = std::string(absl::StripAsciiWhitespace(content.str()));
    if (postgres.connection.password.empty()) {
      return absl::InvalidArgumentError("--store_password_file is empty");
    }
  }
  options.postgres = std::move(postgres);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<RecordsApp>> RecordsApp::Create(const RecordsOptions& options,
                                                               prometheus::Registry& registry,
                                                               const records::Clock& clock) {
  std::unique_ptr<RecordsApp> app(new RecordsApp);
  app->quota_gauges_ = std::make_unique<quota::QuotaUsageGauges>(registry);
  app->quota_usage_ = std::make_unique<QuotaGaugesSink>(*app->quota_gauges_);
  if (options.page_token_key_file.empty()) {
    app->authenticator_ = records::HmacAuthenticator::WithRandomSecret();
  } else {
    CASEWORK_ASSIGN_OR_RETURN(app->authenticator_,
                              records::HmacAuthenticator::FromFile(options.page_token_key_file));
  }
  if (options.postgres.has_value()) {
    CASEWORK_ASSIGN_OR_RETURN(std::unique_ptr<records::PostgresRecordStore> store,
                              records::PostgresRecordStore::Open(*options.postgres, clock));
    app->postgres_ = store.get();
    app->store_ = std::move(store);
  } else {
    CASEWORK_ASSIGN_OR_RETURN(std::unique_ptr<records::SqliteRecordStore> store,
                              records::SqliteRecordStore::Open(options.store, clock));
    app->sqlite_ = store.get();
    app->store_ = std::move(store);
  }
  app->core_ = std::make_unique<records::RecordsCore>(*app->store_, clock, *app->authenticator_,
                                                      options.policy, app->quota_usage_.get());
  app->service_ = std::make_unique<RecordsGrpcService>(*app->core_);
  app->metrics_ = std::make_unique<CaseLoadMetrics>(
      registry, *app->store_, clock, options.policy.stagnation, options.metrics_refresh);
  app->retention_ =
      std::make_unique<RetentionPurge>(registry, *app->store_, clock, options.retention);
  return app;
}

int64_t RecordsApp::store_commits() const {
  return postgres_ != nullptr ? postgres_->commits() : sqlite_->commits();
}

}  // namespace casework
