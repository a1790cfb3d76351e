// The layout of the records store's tables, shared by the SQLite and PostgreSQL stores: which table
// holds each kind of resource, the list columns extracted from a message (besides name,
// organization, parent, etag and body, which every table has), and the columns lists order and
// restrict by. Must agree with migrations/*.sql (SQLite) and postgres_migrations/*.sql.
#ifndef SERVICES_RECORDS_STORE_TABLE_LAYOUT_H_
#define SERVICES_RECORDS_STORE_TABLE_LAYOUT_H_

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/records/domain/record_store.h"

namespace casework::records {

using Value = std::variant<int64_t, std::string>;
using Columns = std::vector<std::pair<const char*, Value>>;

const char* TableOf(ResourceKind kind);
// The list columns of `message` (a resource of `kind`) with their values.
Columns ListColumns(ResourceKind kind, const google::protobuf::Message& message);
bool HasColumn(ResourceKind kind, absl::string_view column);
const char* SortColumn(SortField sort);
// The column of an indexed field and whether it holds numbers.
std::pair<const char*, bool> IndexedColumn(IndexedField field);

// What a stored resource is: its kind, name and etag (INVALID_ARGUMENT without a name).
struct Identity {
  ResourceKind kind;
  std::string name;
  std::string etag;
};
absl::StatusOr<Identity> IdentityOf(const google::protobuf::Message& resource);

// `organizations/o/teams/t/cases/c` → `organizations/o/teams/t`.
std::string ParentOf(const std::string& name);

// The kinds that can be stored beneath a resource of `kind` (a case: goals and benefit
// indicators), those beneath others first: what DeleteTree deletes before the resource itself, in
// an order that never leaves a foreign key dangling.
const std::vector<ResourceKind>& KindsBeneath(ResourceKind kind);

// List columns added to a table after rows may already have been stored: migrations add them as
// NULL, and each store fills them from the rows' bodies when it opens (BackfillLateColumns).
struct LateColumn {
  ResourceKind kind;
  const char* name;
};
const std::vector<LateColumn>& LateColumns();
// The value `column` takes for a stored row whose body is `body`.
absl::StatusOr<std::pair<const char*, Value>> LateColumnValue(const LateColumn& column,
                                                              absl::string_view body);
// `organizations/o/...` → `o`.
std::string OrganizationOfName(const std::string& name);

}  // namespace casework::records

#endif  // SERVICES_RECORDS_STORE_TABLE_LAYOUT_H_
