// The SQL over the records store's PostgreSQL tables (their layout: table_layout.h).
#include "services/records/store/postgres_tables.h"

#include <limits>
#include <variant>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/status/status_macros.h"
#include "services/records/store/table_layout.h"

namespace casework::records {
namespace {

void AddValue(PgParams& params, const Value& value) {
  if (std::holds_alternative<int64_t>(value)) {
    params.Int(std::get<int64_t>(value));
  } else {
    params.Text(std::get<std::string>(value));
  }
}

// "$n": the placeholder of the next parameter.
std::string Next(const PgParams& params) { return absl::StrCat("$", params.size() + 1); }

// What List and Count restrict to — the query's organisation, parents, equalities and
// sort_below — as WHERE conditions whose values are added to `params`.
absl::StatusOr<std::vector<std::string>> Restrict(const ListQuery& query, PgParams& params) {
  std::vector<std::string> where = {"TRUE"};
  if (!query.organization.empty()) {
    where.push_back(absl::StrCat("organization = ", Next(params)));
    params.Text(query.organization);
  }
  if (!query.parents.empty()) {
    std::vector<std::string> marks;
    for (const std::string& parent : query.parents) {
      marks.push_back(Next(params));
      params.Text(parent);
    }
    where.push_back(absl::StrCat("parent IN (", absl::StrJoin(marks, ", "), ")"));
  }
  for (const auto& [field, value] : query.equals) {
    auto [column, numeric] = IndexedColumn(field);
    if (!HasColumn(query.kind, column)) {
      return absl::InvalidArgumentError(absl::StrCat(TableOf(query.kind), " has no ", column));
    }
    int64_t number = 0;
    if (numeric && !absl::SimpleAtoi(value, &number)) {
      return absl::InvalidArgumentError(absl::StrCat(column, " compares with numbers"));
    }
    where.push_back(absl::StrCat(column, " = ", Next(params)));
    if (numeric) {
      params.Int(number);
    } else {
      params.Text(value);
    }
  }
  if (query.sort_below.has_value()) {
    const char* sort = SortColumn(query.sort);
    if (query.sort == SortField::kName || query.sort == SortField::kDisplayName) {
      return absl::InvalidArgumentError("sort_below needs a numeric order");
    }
    if (!HasColumn(query.kind, sort)) {
      return absl::InvalidArgumentError(absl::StrCat(TableOf(query.kind), " has no order ", sort));
    }
    where.push_back(absl::StrCat(sort, " < ", Next(params)));
    params.Int(*query.sort_below);
  }
  return where;
}

}  // namespace

absl::StatusOr<bool> PostgresTables::Get(absl::string_view name,
                                         google::protobuf::Message& resource) {
  CASEWORK_ASSIGN_OR_RETURN(ResourceKind kind, KindOf(resource));
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows,
      connection_.Run(absl::StrCat("SELECT body FROM ", TableOf(kind), " WHERE name = $1"),
                      PgParams().Text(name)));
  if (rows.size() == 0) return false;
  if (!resource.ParseFromString(rows.Bytes(0, 0))) {
    return absl::DataLossError(absl::StrCat("the stored ", TableOf(kind), " row is unreadable"));
  }
  return true;
}

absl::StatusOr<std::vector<ListedResource>> PostgresTables::List(const ListQuery& query) {
  const char* sort = SortColumn(query.sort);
  if (!HasColumn(query.kind, sort)) {
    return absl::InvalidArgumentError(absl::StrCat(TableOf(query.kind), " has no order ", sort));
  }
  const bool text_sort = query.sort == SortField::kName || query.sort == SortField::kDisplayName;
  PgParams params;
  CASEWORK_ASSIGN_OR_RETURN(std::vector<std::string> where, Restrict(query, params));
  const char* direction = query.descending ? "DESC" : "ASC";
  const char* beyond = query.descending ? "<" : ">";
  if (query.after.has_value()) {
    if (query.sort == SortField::kName) {
      where.push_back(absl::StrCat("name ", beyond, " ", Next(params)));
    } else {
      const std::string value_mark = Next(params);
      if (text_sort) {
        params.Text(query.after->text);
      } else {
        params.Int(query.after->number);
      }
      where.push_back(
          absl::StrCat("(", sort, ", name) ", beyond, " (", value_mark, ", ", Next(params), ")"));
    }
    params.Text(query.after->name);
  }
  const std::string sql =
      absl::StrCat("SELECT body, ", sort, ", name FROM ", TableOf(query.kind), " WHERE ",
                   absl::StrJoin(where, " AND "), " ORDER BY ", sort, " ", direction,
                   query.sort == SortField::kName ? "" : absl::StrCat(", name ", direction),
                   " LIMIT ", Next(params));
  params.Int(query.limit);
  CASEWORK_ASSIGN_OR_RETURN(PgRows rows, connection_.Run(sql, params));
  std::vector<ListedResource> listed(rows.size());
  for (int row = 0; row < rows.size(); ++row) {
    listed[row].body = rows.Bytes(row, 0);
    if (text_sort) {
      listed[row].position.text = rows.Bytes(row, 1);
    } else {
      listed[row].position.number = rows.Int(row, 1);
    }
    listed[row].position.name = rows.Bytes(row, 2);
  }
  return listed;
}

absl::StatusOr<int64_t> PostgresTables::Count(const ListQuery& query) {
  PgParams params;
  CASEWORK_ASSIGN_OR_RETURN(std::vector<std::string> where, Restrict(query, params));
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows, connection_.Run(absl::StrCat("SELECT COUNT(*) FROM ", TableOf(query.kind),
                                                " WHERE ", absl::StrJoin(where, " AND ")),
                                   params));
  if (rows.size() != 1) return absl::InternalError("COUNT(*) returned no row");
  return rows.Int(0, 0);
}

absl::StatusOr<std::vector<StoredAuditEntry>> PostgresTables::ListAudit(const AuditQuery& query) {
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows,
      connection_.Run("SELECT sequence, body FROM audit_entries WHERE organization = $1 AND "
                      "sequence < $2 ORDER BY sequence DESC LIMIT $3",
                      PgParams()
                          .Text(query.organization)
                          .Int(query.before_sequence.value_or(std::numeric_limits<int64_t>::max()))
                          .Int(query.limit)));
  std::vector<StoredAuditEntry> entries(rows.size());
  for (int row = 0; row < rows.size(); ++row) {
    StoredAuditEntry& stored = entries[row];
    stored.sequence = rows.Int(row, 0);
    if (!stored.entry.ParseFromString(rows.Bytes(row, 1))) {
      return absl::DataLossError("a stored audit entry is unreadable");
    }
    stored.entry.set_name(absl::StrFormat("organizations/%s/auditEntries/%020d", query.organization,
                                          stored.sequence));
  }
  return entries;
}

absl::StatusOr<std::vector<std::string>> PostgresTables::ListOrganizations(absl::string_view after,
                                                                           int limit) {
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows, connection_.Run("SELECT DISTINCT organization FROM teams WHERE organization > "
                                   "$1 ORDER BY organization LIMIT $2",
                                   PgParams().Text(after).Int(limit)));
  std::vector<std::string> organizations;
  for (int row = 0; row < rows.size(); ++row) organizations.push_back(rows.Bytes(row, 0));
  return organizations;
}

absl::Status PostgresTables::Insert(const google::protobuf::Message& resource) {
  CASEWORK_ASSIGN_OR_RETURN(Identity identity, IdentityOf(resource));
  const Columns columns = ListColumns(identity.kind, resource);
  std::vector<std::string> names = {"name", "organization", "parent", "etag", "body"};
  PgParams params;
  params.Text(identity.name)
      .Text(OrganizationOfName(identity.name))
      .Text(ParentOf(identity.name))
      .Text(identity.etag)
      .Bytes(resource.SerializeAsString());
  for (const auto& [column, value] : columns) {
    names.emplace_back(column);
    AddValue(params, value);
  }
  std::vector<std::string> marks;
  for (int i = 1; i <= params.size(); ++i) marks.push_back(absl::StrCat("$", i));
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows,
      connection_.Run(
          absl::StrCat("INSERT INTO ", TableOf(identity.kind), " (", absl::StrJoin(names, ", "),
                       ") VALUES (", absl::StrJoin(marks, ", "), ") ON CONFLICT DO NOTHING"),
          params));
  if (rows.affected() == 1) return absl::OkStatus();
  return absl::AlreadyExistsError(absl::StrCat(identity.name, " (or its unique key) is taken"));
}

absl::Status PostgresTables::Update(const google::protobuf::Message& resource,
                                    absl::string_view expected_etag) {
  CASEWORK_ASSIGN_OR_RETURN(Identity identity, IdentityOf(resource));
  const Columns columns = ListColumns(identity.kind, resource);
  PgParams params;
  params.Text(identity.etag).Bytes(resource.SerializeAsString());
  std::vector<std::string> sets = {"etag = $1", "body = $2"};
  for (const auto& [column, value] : columns) {
    sets.push_back(absl::StrCat(column, " = ", Next(params)));
    AddValue(params, value);
  }
  const std::string name_mark = Next(params);
  params.Text(identity.name);
  const std::string etag_mark = Next(params);
  params.Text(expected_etag);
  // Under any isolation level PostgreSQL re-checks the WHERE clause on the row version it
  // locks, so the etag comparison and the write are one atomic compare-and-set.
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows, connection_.Run(absl::StrCat("UPDATE ", TableOf(identity.kind), " SET ",
                                                absl::StrJoin(sets, ", "), " WHERE name = ",
                                                name_mark, " AND etag = ", etag_mark),
                                   params));
  if (rows.affected() == 1) return absl::OkStatus();
  return ExplainUnchanged(TableOf(identity.kind), identity.name);
}

absl::Status PostgresTables::Delete(ResourceKind kind, absl::string_view name,
                                    absl::string_view expected_etag) {
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows,
      connection_.Run(absl::StrCat("DELETE FROM ", TableOf(kind), " WHERE name = $1 AND etag = $2"),
                      PgParams().Text(name).Text(expected_etag)));
  if (rows.affected() == 1) return absl::OkStatus();
  return ExplainUnchanged(TableOf(kind), name);
}

absl::StatusOr<int> PostgresTables::DeleteTree(ResourceKind kind, absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("DeleteTree needs a name");
  // Beneath `name` are the names from `name/` up to (excluding) `name0`: '0' follows '/' (the
  // columns use the "C" collation, so this is byte order).
  const std::string first_below = absl::StrCat(name, "/"), past_below = absl::StrCat(name, "0");
  int deleted = 0;
  for (ResourceKind beneath : KindsBeneath(kind)) {
    CASEWORK_ASSIGN_OR_RETURN(PgRows rows,
                              connection_.Run(absl::StrCat("DELETE FROM ", TableOf(beneath),
                                                           " WHERE name >= $1 AND name < $2"),
                                              PgParams().Text(first_below).Text(past_below)));
    deleted += static_cast<int>(rows.affected());
  }
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows, connection_.Run(absl::StrCat("DELETE FROM ", TableOf(kind), " WHERE name = $1"),
                                   PgParams().Text(name)));
  return deleted + static_cast<int>(rows.affected());
}

absl::StatusOr<int> PostgresTables::ForgetRequestIds(absl::string_view organization,
                                                     absl::Time before) {
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows,
      connection_.Run("DELETE FROM idempotency_keys WHERE organization = $1 AND create_time < $2",
                      PgParams().Text(organization).Int(absl::ToUnixMicros(before))));
  return static_cast<int>(rows.affected());
}

absl::Status PostgresTables::ExplainUnchanged(const char* table, absl::string_view name) {
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows, connection_.Run(absl::StrCat("SELECT etag FROM ", table, " WHERE name = $1"),
                                   PgParams().Text(name)));
  if (rows.size() == 0) return absl::NotFoundError(absl::StrCat(name, " does not exist"));
  return absl::AbortedError(absl::StrCat(name, " has another etag"));
}

absl::StatusOr<std::string> PostgresTables::AppendAudit(const casework::v1::AuditEntry& entry) {
  casework::v1::AuditEntry stored = entry;
  stored.clear_name();
  CASEWORK_ASSIGN_OR_RETURN(
      PgRows rows,
      connection_.Run(
          "INSERT INTO audit_entries (organization, body) VALUES ($1, $2) RETURNING sequence",
          PgParams().Text(entry.organization()).Bytes(stored.SerializeAsString())));
  if (rows.size() != 1) return absl::InternalError("the audit entry got no sequence");
  return absl::StrFormat("organizations/%s/auditEntries/%020d", entry.organization(),
                         rows.Int(0, 0));
}

}  // namespace casework::records
