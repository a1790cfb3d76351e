// The records store's tables on one SQLite connection: resources stored whole with their list
// columns, and the append-only audit log. Runs inside whatever transaction the connection's owner
// (SqliteRecordStore) has opened; has no threads of its own.
#ifndef SERVICES_RECORDS_STORE_SQLITE_TABLES_H_
#define SERVICES_RECORDS_STORE_SQLITE_TABLES_H_

#include <string>
#include <vector>

#include "services/records/domain/record_store.h"
#include "services/records/store/sqlite_connection.h"

namespace casework::records {

class SqliteTables final : public RecordWriter {
 public:
  explicit SqliteTables(SqliteConnection& connection) : connection_(connection) {}

  absl::StatusOr<bool> Get(absl::string_view name, google::protobuf::Message& resource) override;
  absl::StatusOr<std::vector<ListedResource>> List(const ListQuery& query) override;
  absl::StatusOr<int64_t> Count(const ListQuery& query) override;
  absl::StatusOr<std::vector<StoredAuditEntry>> ListAudit(const AuditQuery& query) override;
  absl::StatusOr<std::vector<std::string>> ListOrganizations(absl::string_view after,
                                                             int limit) override;

  absl::Status Insert(const google::protobuf::Message& resource) override;
  absl::Status Update(const google::protobuf::Message& resource,
                      absl::string_view expected_etag) override;
  absl::Status Delete(ResourceKind kind, absl::string_view name,
                      absl::string_view expected_etag) override;
  absl::StatusOr<int> DeleteTree(ResourceKind kind, absl::string_view name) override;
  absl::StatusOr<int> ForgetRequestIds(absl::string_view organization, absl::Time before) override;
  absl::StatusOr<std::string> AppendAudit(const casework::v1::AuditEntry& entry) override;

 private:
  // NOT_FOUND or ABORTED for a conditional write that changed nothing.
  absl::Status ExplainUnchanged(const char* table, absl::string_view name);

  SqliteConnection& connection_;
};

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_SQLITE_TABLES_H_
