// The records store: the port through which the records domain reads and writes its resources.
// Implemented on SQLite (services/records/store/sqlite_record_store.h) and on PostgreSQL
// (services/records/store/postgres_record_store.h); both pass the same conformance suite
// (services/records/store/record_store_conformance.h).
//
// The contract, in short:
//   - Resources are protobuf messages (Team, Case, Goal, BenefitIndicator, Meeting, ActionItem,
//     SessionRecord, RetentionPolicy) stored whole under their `name`; the store indexes the few
//     columns lists order and restrict by. The domain owns every rule, including etags (a
//     resource's `etag` field); the store refuses an Update or Delete whose expected etag is not
//     the stored one.
//   - Work runs asynchronously on the store's own bounded threads, never the caller's: Read runs
//     a function in a read-only snapshot, Write runs one in a transaction. `done` is called once,
//     on a store thread, only after everything the unit wrote — its data, its idempotency record
//     and its audit entry — is durable (or with an error, in which case nothing of the unit's
//     data was applied).
//   - Idempotency: a Write with a request_id is remembered with its fingerprint and response in
//     the same transaction as its data. A later Write with the same key and fingerprint is not
//     run again: it answers the stored response. The same key with another fingerprint answers
//     INVALID_ARGUMENT (REQUEST_ID_REUSED). Failed units are not remembered.
//   - Audit: a unit's audit entry is appended with the unit's outcome (code and ErrorInfo reason)
//     whatever that outcome is, so denied and failed calls are recorded too. Entries are never
//     changed or deleted.
//   - Overload: when the bounded queue is full, `done` answers UNAVAILABLE (STORE_UNAVAILABLE).
//   - Retention: DeleteTree removes a resource with everything stored beneath it, whatever the
//     etags, and answers 0 for what is already gone, so two replicas purging the same resource
//     both succeed and only one deletes; ForgetRequestIds drops remembered responses early.
#ifndef SERVICES_RECORDS_DOMAIN_RECORD_STORE_H_
#define SERVICES_RECORDS_DOMAIN_RECORD_STORE_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casework/v1/audit.pb.h"

namespace casework::records {

enum class ResourceKind {
  kTeam,
  kCase,
  kGoal,
  kBenefitIndicator,
  kMeeting,
  kActionItem,
  kSessionRecord,
  kRetentionPolicy,
};

// The kind stored for a message type; INVALID_ARGUMENT for a type the store does not keep.
absl::StatusOr<ResourceKind> KindOf(const google::protobuf::Message& message);

// What a list is ordered by (then by name). Each kind supports the ones its List RPCs offer:
// teams kDisplayName; cases kCreateTime, kStageEnterTime, kRiskLevel, kCloseTime (0 while open);
// goals and indicators kCreateTime; meetings kScheduledTime; action items kDueTime, kCreateTime;
// session records kEndTime, kCreateTime (when it was stored); every kind kName.
enum class SortField {
  kName,
  kDisplayName,
  kCreateTime,
  kStageEnterTime,
  kRiskLevel,
  kScheduledTime,
  kDueTime,
  kEndTime,
  kCloseTime,
};

// Columns a list can restrict by equality: cases kCaseworker, kCaseStatus, kReference; action
// items kOwner, kActionItemState, kSourceCase (the case an item was raised from, "" for none);
// session records kProtocolId. Enum values are their numbers in decimal.
enum class IndexedField {
  kCaseworker,
  kCaseStatus,
  kReference,
  kOwner,
  kActionItemState,
  kProtocolId,
  kSourceCase,
};

// Where a resource sits in a list's order: the sort value (a number, or text for kDisplayName)
// and the name that breaks ties. Lists continue strictly after a position (keyset pagination).
struct Position {
  int64_t number = 0;
  std::string text;
  std::string name;
};

struct ListQuery {
  ListQuery() = default;
  explicit ListQuery(ResourceKind kind_in, std::string organization_in = "",
                     std::vector<std::string> parents_in = {})
      : kind(kind_in), organization(std::move(organization_in)), parents(std::move(parents_in)) {}

  ResourceKind kind = ResourceKind::kTeam;
  std::string organization;          // empty: every organisation (the metrics collector only)
  std::vector<std::string> parents;  // resource names of the parents; empty: every parent
  std::vector<std::pair<IndexedField, std::string>> equals;
  SortField sort = SortField::kName;
  bool descending = false;
  std::optional<Position> after;
  // Numeric sorts only: just the resources whose sort value is below this (e.g. cases closed
  // before a time).
  std::optional<int64_t> sort_below;
  int limit = 100;
};

struct ListedResource {
  std::string body;  // the serialized message
  Position position;
};

// Audit entries of one organisation, newest first, continuing below `before_sequence`.
struct AuditQuery {
  std::string organization;
  std::optional<int64_t> before_sequence;
  int limit = 100;
};

struct StoredAuditEntry {
  casework::v1::AuditEntry entry;
  int64_t sequence = 0;  // recording order, strictly increasing
};

class RecordReader {
 public:
  virtual ~RecordReader() = default;

  // Reads the resource `name` into `resource` (whose type selects the kind); false when absent.
  virtual absl::StatusOr<bool> Get(absl::string_view name, google::protobuf::Message& resource) = 0;

  virtual absl::StatusOr<std::vector<ListedResource>> List(const ListQuery& query) = 0;

  // How many resources List would return over all its pages: the same restrictions (kind,
  // organization, parents, equals, sort_below), whatever the order, position and limit.
  virtual absl::StatusOr<int64_t> Count(const ListQuery& query) = 0;

  virtual absl::StatusOr<std::vector<StoredAuditEntry>> ListAudit(const AuditQuery& query) = 0;

  // The organisations that hold at least one team, in byte order, strictly after `after`; at most
  // `limit`.
  virtual absl::StatusOr<std::vector<std::string>> ListOrganizations(absl::string_view after,
                                                                     int limit) = 0;
};

class RecordWriter : public RecordReader {
 public:
  // ALREADY_EXISTS when the name is taken (or, for cases, the reference is used by an open case
  // of the organisation).
  virtual absl::Status Insert(const google::protobuf::Message& resource) = 0;

  // Replaces the stored resource of the same name. NOT_FOUND when absent, ABORTED when the stored
  // etag is not `expected_etag`.
  virtual absl::Status Update(const google::protobuf::Message& resource,
                              absl::string_view expected_etag) = 0;

  // NOT_FOUND when absent, ABORTED when the stored etag is not `expected_etag`.
  virtual absl::Status Delete(ResourceKind kind, absl::string_view name,
                              absl::string_view expected_etag) = 0;

  // Deletes the resource `name` of `kind` and every resource stored beneath it (whose name starts
  // with `name` + "/", e.g. a case's goals and benefit indicators), whatever their etags. Returns
  // how many resources were deleted: 0 when `name` is already gone, which is not an error.
  virtual absl::StatusOr<int> DeleteTree(ResourceKind kind, absl::string_view name) = 0;

  // Forgets the request ids `organization`'s callers used before `before`: their stored responses
  // no longer answer retries (which then run again). Returns how many were forgotten.
  virtual absl::StatusOr<int> ForgetRequestIds(absl::string_view organization,
                                               absl::Time before) = 0;

  // Appends an entry (its `name` is ignored) and returns the name it was given,
  // `organizations/{organization}/auditEntries/{sequence}`.
  virtual absl::StatusOr<std::string> AppendAudit(const casework::v1::AuditEntry& entry) = 0;
};

// Who asked, under which key. Keys are scoped to the caller: two callers never share one.
struct IdempotencyKey {
  std::string organization;
  std::string caller;
  std::string request_id;  // empty: the unit is not idempotent
};

using ReadWork = std::function<absl::StatusOr<std::string>(RecordReader&)>;
using WriteWork = std::function<absl::StatusOr<std::string>(RecordWriter&)>;
using WorkDone = std::function<void(absl::StatusOr<std::string>)>;

struct WriteUnit {
  IdempotencyKey idempotency;
  std::string fingerprint;  // identifies the request's payload (method and request bytes)
  WriteWork work;           // returns the serialized response
  std::optional<casework::v1::AuditEntry> audit;
};

class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // Runs `work` in a read-only snapshot, then appends `audit` (if given) with the outcome, then
  // calls `done` with the work's result.
  virtual void Read(ReadWork work, std::optional<casework::v1::AuditEntry> audit,
                    WorkDone done) = 0;

  virtual void Write(WriteUnit unit, WorkDone done) = 0;
};

}  // namespace casework::records

#endif  // SERVICES_RECORDS_DOMAIN_RECORD_STORE_H_
