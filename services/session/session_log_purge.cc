// SessionLogPurge: the pass (read the recorded set, judge each session by its organisation's
// policy, audit, delete) and the loop that runs it.
#include "services/session/session_log_purge.h"

#include <openssl/sha.h>

#include <algorithm>
#include <future>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "casework/v1/audit.pb.h"
#include "casework/v1/records_service.grpc.pb.h"
#include "libs/server/grpc_status.h"
#include "libs/server/json_log.h"
#include "libs/session_engine/time_util.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

constexpr char kRule[] = "session_log_retention";

// Waits for an asynchronous Redis answer (this runs on the purge's own thread).
template <typename T, typename Start>
absl::StatusOr<T> Await(Start start) {
  std::promise<absl::StatusOr<T>> promise;
  std::future<absl::StatusOr<T>> answer = promise.get_future();
  start([&promise](absl::StatusOr<T> value) { promise.set_value(std::move(value)); });
  return answer.get();
}

std::string OrganizationOf(absl::string_view session_name) {
  std::vector<absl::string_view> parts = absl::StrSplit(session_name, '/');
  return parts.size() > 1 ? std::string(parts[1]) : std::string();
}

// The same for every replica and every retry of one session's purge (SHA-256 of the name and the
// store time, 128 bits of it), so the records service stores its audit entry once.
std::string PurgeRequestId(const RecordedSession& session) {
  const std::string key = absl::StrCat(session.name, "@", absl::ToUnixMillis(session.stored));
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  return absl::StrCat("session-log-purge-", absl::BytesToHexString(absl::string_view(
                                                reinterpret_cast<char*>(digest), 16)));
}

}  // namespace

SessionLogPurge::SessionLogPurge(prometheus::Registry& registry, RedisEventLog& log,
                                 RecordsClient& records, std::function<absl::Time()> clock,
                                 SessionLogPurgeOptions options)
    : log_(log),
      records_(records),
      clock_(std::move(clock)),
      options_(options),
      purged_(prometheus::BuildCounter()
                  .Name("casework_retention_purged_total")
                  .Help("Resources the retention purge deleted, by kind")
                  .Register(registry)
                  .Add({{"kind", "session_log"}})) {
  if (options_.interval > absl::ZeroDuration()) thread_ = std::thread([this] { Run(); });
}

SessionLogPurge::~SessionLogPurge() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void SessionLogPurge::Run() {
  // A pass that could not read Redis (at start-up it may not be connected yet) is tried again
  // after a few seconds, not a whole interval later.
  constexpr absl::Duration kRetry = absl::Seconds(5);
  absl::Duration wait = options_.interval;
  do {
    absl::StatusOr<Pass> pass = PurgeNow();
    wait = options_.interval;
    if (!pass.ok()) {
      wait = std::min(options_.interval, kRetry);
      Log(LogSeverity::kWarning, "session log purge pass failed; tried again shortly",
          {{"error", pass.status().ToString()}});
    } else if (pass->purged > 0 || pass->deferred > 0) {
      Log(LogSeverity::kInfo, "session log purge pass",
          {{"purged", pass->purged}, {"deferred", pass->deferred}});
    }
  } while (!stop_.WaitForNotificationWithTimeout(wait));
}

absl::StatusOr<v1::RetentionPolicy> SessionLogPurge::FetchPolicy(const std::string& organization) {
  grpc::ClientContext context;
  if (absl::Status prepared = records_.Prepare(context); !prepared.ok()) return prepared;
  v1::GetRetentionPolicyRequest request;
  request.set_name(absl::StrCat("organizations/", organization, "/retentionPolicy"));
  v1::RetentionPolicy policy;
  grpc::Status status = records_.stub().GetRetentionPolicy(&context, request, &policy);
  if (!status.ok()) return FromGrpcStatus(status);
  return policy;
}

absl::Status SessionLogPurge::Audit(const v1::RetentionPolicy& policy,
                                    const RecordedSession& session, absl::Time now) {
  grpc::ClientContext context;
  if (absl::Status prepared = records_.Prepare(context); !prepared.ok()) return prepared;
  const std::string organization = OrganizationOf(session.name);
  v1::AppendAuditEntriesRequest request;
  request.set_parent(absl::StrCat("organizations/", organization));
  request.set_request_id(PurgeRequestId(session));
  v1::AuditEntry& entry = *request.add_audit_entries();
  entry.set_actor("session-service");
  entry.set_organization(organization);
  entry.set_method("retention-purge");
  entry.set_resource(session.name);
  entry.set_outcome(google::rpc::OK);
  *entry.mutable_finish_time() = ToTimestamp(now);
  v1::RetentionPurgeDetails& details = *entry.mutable_retention_purge();
  details.set_policy(policy.name());
  details.set_policy_etag(policy.etag());
  details.set_rule(kRule);
  *details.mutable_retention() = policy.session_log_retention();
  v1::AppendAuditEntriesResponse response;
  return FromGrpcStatus(records_.stub().AppendAuditEntries(&context, request, &response));
}

absl::StatusOr<SessionLogPurge::Pass> SessionLogPurge::PurgeNow() {
  absl::MutexLock pass_lock(&pass_mu_);
  const absl::Time now = clock_();
  Pass pass;
  absl::flat_hash_map<std::string, absl::StatusOr<v1::RetentionPolicy>> policies;
  int64_t offset = 0;  // sessions kept (not yet due, or deferred) stay ahead in the set
  while (!stop_.HasBeenNotified() && pass.purged < options_.max_per_pass) {
    absl::StatusOr<std::vector<RecordedSession>> round =
        Await<std::vector<RecordedSession>>([&](auto done) {
          log_.ListRecorded(now - kMinSessionLogRetention, offset, options_.batch, std::move(done));
        });
    if (!round.ok()) return round.status();
    for (const RecordedSession& session : *round) {
      if (stop_.HasBeenNotified() || pass.purged >= options_.max_per_pass) break;
      ++pass.examined;
      const std::string organization = OrganizationOf(session.name);
      auto [found, fetched] = policies.try_emplace(organization, absl::UnknownError("unread"));
      if (fetched) {
        found->second = FetchPolicy(organization);
        ++pass.organizations;
        if (!found->second.ok()) {
          Log(LogSeverity::kWarning, "retention policy unreadable; its sessions wait",
              {{"organization", organization}, {"error", found->second.status().ToString()}});
        }
      }
      const absl::StatusOr<v1::RetentionPolicy>& policy = found->second;
      if (!policy.ok()) {
        ++pass.deferred;
        ++offset;
        continue;
      }
      if (session.stored + ToDuration(policy->session_log_retention()) > now) {
        ++offset;  // not yet
        continue;
      }
      if (absl::Status audited = Audit(*policy, session, now); !audited.ok()) {
        Log(LogSeverity::kWarning, "retention purge not audited; the session waits",
            {{"session", session.name}, {"error", audited.ToString()}});
        ++pass.deferred;
        ++offset;
        continue;
      }
      absl::StatusOr<bool> deleted = Await<bool>(
          [&](auto done) { log_.Purge(session.name, session.stored, std::move(done)); });
      if (!deleted.ok()) return deleted.status();
      if (*deleted) {
        ++pass.purged;
        purged_.Increment();
      }
    }
    if (static_cast<int>(round->size()) < options_.batch) break;
  }
  return pass;
}

}  // namespace casework::session
