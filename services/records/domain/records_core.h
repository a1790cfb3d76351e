// RecordsCore: the records domain's entry point, one method per RecordsService RPC. Each call
// becomes one unit of work on the store — a read snapshot or a write transaction — that runs the
// operation (services/records/domain/operations.h) and carries the call's audit entry and, for
// writes, its idempotency key. Results arrive through `reply`, on a store thread, once the unit
// is durable. No gRPC, SQLite, threads or wall clock here: the handlers (records_grpc_service.h)
// translate, the store runs, the Clock tells the time.
//
// Lifetime: `request` must stay valid until `reply` has been called (gRPC keeps a callback
// request alive until the call is finished).
#ifndef SERVICES_RECORDS_DOMAIN_RECORDS_CORE_H_
#define SERVICES_RECORDS_DOMAIN_RECORDS_CORE_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "casework/v1/principal.pb.h"
#include "casework/v1/records_service.pb.h"
#include "services/records/domain/clock.h"
#include "services/records/domain/operations.h"
#include "services/records/domain/page_tokens.h"
#include "services/records/domain/record_store.h"

namespace casework::records {

struct CallInfo {
  casework::v1::Principal principal;
  std::string method;  // the full gRPC method, e.g. "/casework.v1.RecordsService/GetCase"
  // The caller's `x-request-id` (reads have no request_id field): kept in the read's audit entry
  // so a call can be followed across services.
  std::string request_id = "";
};

template <typename Response>
using Reply = std::function<void(absl::StatusOr<Response>)>;

// Where the core reports quota usage (the app: the casework_quota_* metrics of
// libs/quota/quota_metrics.h). Called on store threads, once a write that counted a quota has
// its outcome; not for a retry answered from its stored response, which counts nothing.
class QuotaUsageSink {
 public:
  virtual ~QuotaUsageSink() = default;
  // `organization` holds `usage` of its `limit` of `quota`.
  virtual void Observe(absl::string_view organization, quota::Quota quota, int64_t usage,
                       int64_t limit) = 0;
  // A call was refused for `quota`.
  virtual void Refused(quota::Quota quota) = 0;
};

class RecordsCore {
 public:
  // `quota_usage` (optional) must outlive the store's queued work.
  RecordsCore(RecordStore& store, const Clock& clock, const MessageAuthenticator& authenticator,
              RecordsPolicy policy = {}, QuotaUsageSink* quota_usage = nullptr);

  const RecordsPolicy& policy() const { return policy_; }

#define CASEWORK_RECORDS_METHOD(Method, Request, Response) \
  void Method(const CallInfo& call, const casework::v1::Request& request, Reply<Response> reply);
#include "services/records/domain/records_methods.inc"
#undef CASEWORK_RECORDS_METHOD

 private:
  template <typename Request, typename Response>
  using Operation = absl::StatusOr<Response> (*)(OpContext&, const Request&);

  template <typename Request, typename Response>
  void RunRead(const CallInfo& call, const std::string& resource, const Request& request,
               Reply<Response> reply, Operation<Request, Response> operation);
  template <typename Request, typename Response>
  void RunWrite(const CallInfo& call, const std::string& resource, const std::string& request_id,
                const Request& request, Reply<Response> reply,
                Operation<Request, Response> operation);

  RecordStore& store_;
  const Clock& clock_;
  PageTokens page_tokens_;
  RecordsPolicy policy_;
  QuotaUsageSink* quota_usage_;
  OpenCaseCounts open_case_counts_;
};

}  // namespace casework::records

#endif  // SERVICES_RECORDS_DOMAIN_RECORDS_CORE_H_
