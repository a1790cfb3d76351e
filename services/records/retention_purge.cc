// The retention purge's loop, passes and rounds.
#include "services/records/retention_purge.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "libs/server/json_log.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/operations.h"

namespace casework {
namespace {

using records::ResourceKind;

constexpr int kOrganizationsPerRound = 100;

prometheus::Family<prometheus::Counter>& PurgedFamily(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("casework_retention_purged_total")
      .Help(
          "Resources deleted by the retention purge, by kind: case (a closed case with its "
          "goals, indicators and action items) or session_record.")
      .Register(registry);
}

// Runs `work` in a read snapshot (not audited: the purge reads as the service itself) and waits.
absl::StatusOr<std::string> ReadNow(records::RecordStore& store, records::ReadWork work) {
  absl::Notification done;
  absl::StatusOr<std::string> result;
  store.Read(std::move(work), std::nullopt, [&](absl::StatusOr<std::string> answer) {
    result = std::move(answer);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

// A write unit with no request id and no call to audit: the work appends its own entries.
records::WriteUnit UnitOf(records::WriteWork work) {
  records::WriteUnit unit;
  unit.work = std::move(work);
  return unit;
}

absl::StatusOr<std::string> WriteNow(records::RecordStore& store, records::WriteWork work) {
  absl::Notification done;
  absl::StatusOr<std::string> result;
  store.Write(UnitOf(std::move(work)), [&](absl::StatusOr<std::string> answer) {
    result = std::move(answer);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

absl::StatusOr<std::vector<std::string>> ListOrganizations(records::RecordStore& store,
                                                           const std::string& after) {
  std::vector<std::string> organizations;
  CASEWORK_RETURN_IF_ERROR(
      ReadNow(store, [&](records::RecordReader& reader) -> absl::StatusOr<std::string> {
        CASEWORK_ASSIGN_OR_RETURN(organizations,
                                  reader.ListOrganizations(after, kOrganizationsPerRound));
        return std::string();
      }).status());
  return organizations;
}

}  // namespace

RetentionPurge::RetentionPurge(prometheus::Registry& registry, records::RecordStore& store,
                               const records::Clock& clock, RetentionPurgeOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      purged_cases_(PurgedFamily(registry).Add({{"kind", "case"}})),
      purged_session_records_(PurgedFamily(registry).Add({{"kind", "session_record"}})) {
  if (options_.interval > absl::ZeroDuration()) loop_ = std::thread([this] { Run(); });
}

RetentionPurge::~RetentionPurge() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (loop_.joinable()) loop_.join();
}

bool RetentionPurge::stopping() {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void RetentionPurge::Run() {
  while (true) {
    absl::StatusOr<Pass> pass = PurgeNow();
    if (!pass.ok()) {
      Log(LogSeverity::kWarning, "retention purge pass failed; the next pass retries",
          {{"error", std::string(pass.status().message())}});
    } else if (pass->cases + pass->session_records > 0) {
      Log(LogSeverity::kInfo, "retention purge",
          {{"cases", pass->cases},
           {"session_records", pass->session_records},
           {"organizations", pass->organizations}});
    }
    absl::MutexLock lock(&mu_);
    ++loop_passes_;
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.interval);
    if (stopping_) return;
  }
}

int64_t RetentionPurge::loop_passes() {
  absl::MutexLock lock(&mu_);
  return loop_passes_;
}

bool RetentionPurge::AwaitLoopPasses(int64_t count, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto done = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return loop_passes_ >= count; };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

absl::StatusOr<RetentionPurge::Pass> RetentionPurge::PurgeNow() {
  absl::MutexLock pass_lock(&pass_mu_);
  const absl::Time now = clock_.Now();
  Pass pass;
  std::string after;
  while (!stopping()) {
    CASEWORK_ASSIGN_OR_RETURN(std::vector<std::string> organizations,
                              ListOrganizations(store_, after));
    for (const std::string& organization : organizations) {
      CASEWORK_ASSIGN_OR_RETURN(int64_t cases, PurgeKind(organization, ResourceKind::kCase, now));
      CASEWORK_ASSIGN_OR_RETURN(int64_t records,
                                PurgeKind(organization, ResourceKind::kSessionRecord, now));
      pass.cases += cases;
      pass.session_records += records;
      ++pass.organizations;
    }
    if (organizations.empty()) break;
    // Request ids whose remembered answers could hold what this pass (or a replica's) deleted.
    absl::StatusOr<std::string> forgotten =
        WriteNow(store_, [&](records::RecordWriter& writer) -> absl::StatusOr<std::string> {
          CASEWORK_RETURN_IF_ERROR(
              records::ops::ForgetStaleRequestIds(writer, organizations, now).status());
          return std::string();
        });
    if (!forgotten.ok()) return forgotten.status();
    if (static_cast<int>(organizations.size()) < kOrganizationsPerRound) break;
    after = organizations.back();
  }
  return pass;
}

absl::StatusOr<int64_t> RetentionPurge::PurgeKind(const std::string& organization,
                                                  ResourceKind kind, absl::Time now) {
  int64_t examined = 0, purged = 0;
  std::vector<std::string> previous;
  while (examined < options_.max_per_pass && !stopping()) {
    const int limit =
        static_cast<int>(std::min<int64_t>(options_.batch, options_.max_per_pass - examined));
    std::vector<std::string> names;
    CASEWORK_RETURN_IF_ERROR(
        ReadNow(store_, [&](records::RecordReader& reader) -> absl::StatusOr<std::string> {
          CASEWORK_ASSIGN_OR_RETURN(
              names, records::ops::FindExpired(reader, organization, kind, now, limit));
          return std::string();
        }).status());
    // Nothing left, or the very names of the last round, which deleted what it could of them.
    if (names.empty() || names == previous) break;
    CASEWORK_ASSIGN_OR_RETURN(int64_t deleted, PurgeEach(names, kind, now));
    (kind == ResourceKind::kCase ? purged_cases_ : purged_session_records_)
        .Increment(static_cast<double>(deleted));
    examined += static_cast<int64_t>(names.size());
    purged += deleted;
    // A short round found the end. A round may delete less than it found (another replica was
    // first, or the policy just grew); the next one lists again from what is left.
    if (static_cast<int>(names.size()) < limit) break;
    previous = std::move(names);
  }
  return purged;
}

absl::StatusOr<int64_t> RetentionPurge::PurgeEach(const std::vector<std::string>& names,
                                                  ResourceKind kind, absl::Time now) {
  absl::BlockingCounter pending(static_cast<int>(names.size()));
  absl::Mutex mu;
  int64_t deleted = 0;
  absl::Status failed;
  for (const std::string& name : names) {
    store_.Write(
        UnitOf([&name, kind, now](records::RecordWriter& writer) -> absl::StatusOr<std::string> {
          CASEWORK_ASSIGN_OR_RETURN(bool purged,
                                    records::ops::PurgeExpired(writer, kind, name, now));
          return std::string(purged ? "1" : "0");
        }),
        [&](absl::StatusOr<std::string> result) {
          {
            absl::MutexLock lock(&mu);
            if (!result.ok()) {
              failed = result.status();
            } else if (*result == "1") {
              ++deleted;
            }
          }
          pending.DecrementCount();
        });
  }
  pending.Wait();
  CASEWORK_RETURN_IF_ERROR(failed);
  return deleted;
}

}  // namespace casework
