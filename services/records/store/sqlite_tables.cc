// The SQL over the records store's tables (their layout: table_layout.h).
#include "services/records/store/sqlite_tables.h"

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

void BindValue(Statement& statement, const Value& value) {
  if (std::holds_alternative<int64_t>(value)) {
    statement.Bind(std::get<int64_t>(value));
  } else {
    statement.Bind(std::get<std::string>(value));
  }
}

// A value a statement binds: a number, or text.
struct Parameter {
  bool numeric = false;
  int64_t number = 0;
  std::string text;
};

// What List and Count restrict to — the query's organisation, parents, equalities and
// sort_below — as WHERE conditions and the values they bind, in order.
struct Restriction {
  std::vector<std::string> where = {"1 = 1"};
  std::vector<Parameter> values;

  void AddText(std::string text) { values.push_back(Parameter{false, 0, std::move(text)}); }
  void AddNumber(int64_t number) { values.push_back(Parameter{true, number, ""}); }
  void BindTo(Statement& statement) const {
    for (const Parameter& value : values) {
      if (value.numeric) {
        statement.Bind(value.number);
      } else {
        statement.Bind(value.text);
      }
    }
  }
};

absl::StatusOr<Restriction> RestrictionOf(const ListQuery& query) {
  Restriction restriction;
  if (!query.organization.empty()) {
    restriction.where.push_back("organization = ?");
    restriction.AddText(query.organization);
  }
  if (!query.parents.empty()) {
    std::vector<std::string> marks(query.parents.size(), "?");
    restriction.where.push_back(absl::StrCat("parent IN (", absl::StrJoin(marks, ", "), ")"));
    for (const std::string& parent : query.parents) restriction.AddText(parent);
  }
  for (const auto& [field, value] : query.equals) {
    auto [column, numeric] = IndexedColumn(field);
    if (!HasColumn(query.kind, column)) {
      return absl::InvalidArgumentError(absl::StrCat(TableOf(query.kind), " has no ", column));
    }
    restriction.where.push_back(absl::StrCat(column, " = ?"));
    int64_t number = 0;
    if (numeric && absl::SimpleAtoi(value, &number)) {
      restriction.AddNumber(number);
    } else {
      restriction.AddText(value);
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
    restriction.where.push_back(absl::StrCat(sort, " < ?"));
    restriction.AddNumber(*query.sort_below);
  }
  return restriction;
}

}  // namespace

absl::StatusOr<bool> SqliteTables::Get(absl::string_view name,
                                       google::protobuf::Message& resource) {
  CASEWORK_ASSIGN_OR_RETURN(ResourceKind kind, KindOf(resource));
  CASEWORK_ASSIGN_OR_RETURN(
      auto statement,
      connection_.Prepare(absl::StrCat("SELECT body FROM ", TableOf(kind), " WHERE name = ?")));
  statement->Bind(name);
  CASEWORK_ASSIGN_OR_RETURN(bool row, statement->Step());
  if (!row) return false;
  if (!resource.ParseFromString(statement->Blob(0))) {
    return absl::DataLossError(absl::StrCat("the stored ", TableOf(kind), " row is unreadable"));
  }
  return true;
}

absl::StatusOr<std::vector<ListedResource>> SqliteTables::List(const ListQuery& query) {
  const char* sort = SortColumn(query.sort);
  if (!HasColumn(query.kind, sort)) {
    return absl::InvalidArgumentError(absl::StrCat(TableOf(query.kind), " has no order ", sort));
  }
  const bool text_sort = query.sort == SortField::kName || query.sort == SortField::kDisplayName;
  CASEWORK_ASSIGN_OR_RETURN(Restriction restriction, RestrictionOf(query));
  std::vector<std::string>& where = restriction.where;
  const char* direction = query.descending ? "DESC" : "ASC";
  if (query.after.has_value()) {
    where.push_back(
        query.sort == SortField::kName
            ? absl::StrCat("name ", query.descending ? "<" : ">", " ?")
            : absl::StrCat("(", sort, ", name) ", query.descending ? "<" : ">", " (?, ?)"));
  }
  const std::string sql = absl::StrCat(
      "SELECT body, ", sort, ", name FROM ", TableOf(query.kind), " WHERE ",
      absl::StrJoin(where, " AND "), " ORDER BY ", sort, " ", direction,
      query.sort == SortField::kName ? "" : absl::StrCat(", name ", direction), " LIMIT ?");
  CASEWORK_ASSIGN_OR_RETURN(auto statement, connection_.Prepare(sql));
  restriction.BindTo(*statement);
  if (query.after.has_value()) {
    if (query.sort != SortField::kName) {
      if (text_sort) {
        statement->Bind(query.after->text);
      } else {
        statement->Bind(query.after->number);
      }
    }
    statement->Bind(query.after->name);
  }
  statement->Bind(int64_t{query.limit});
  std::vector<ListedResource> rows;
  while (true) {
    CASEWORK_ASSIGN_OR_RETURN(bool row, statement->Step());
    if (!row) break;
    ListedResource& listed = rows.emplace_back();
    listed.body = statement->Blob(0);
    if (text_sort) {
      listed.position.text = statement->Text(1);
    } else {
      listed.position.number = statement->Int(1);
    }
    listed.position.name = statement->Text(2);
  }
  return rows;
}

absl::StatusOr<int64_t> SqliteTables::Count(const ListQuery& query) {
  CASEWORK_ASSIGN_OR_RETURN(Restriction restriction, RestrictionOf(query));
  CASEWORK_ASSIGN_OR_RETURN(
      auto statement,
      connection_.Prepare(absl::StrCat("SELECT COUNT(*) FROM ", TableOf(query.kind), " WHERE ",
                                       absl::StrJoin(restriction.where, " AND "))));
  restriction.BindTo(*statement);
  CASEWORK_ASSIGN_OR_RETURN(bool row, statement->Step());
  if (!row) return absl::InternalError("COUNT(*) returned no row");
  return statement->Int(0);
}

absl::StatusOr<std::vector<StoredAuditEntry>> SqliteTables::ListAudit(const AuditQuery& query) {
  CASEWORK_ASSIGN_OR_RETURN(
      auto statement,
      connection_.Prepare("SELECT sequence, body FROM audit_entries WHERE organization = ? AND "
                          "sequence < ? ORDER BY sequence DESC LIMIT ?"));
  statement->Bind(query.organization)
      .Bind(query.before_sequence.value_or(std::numeric_limits<int64_t>::max()))
      .Bind(int64_t{query.limit});
  std::vector<StoredAuditEntry> entries;
  while (true) {
    CASEWORK_ASSIGN_OR_RETURN(bool row, statement->Step());
    if (!row) break;
    StoredAuditEntry& stored = entries.emplace_back();
    stored.sequence = statement->Int(0);
    if (!stored.entry.ParseFromString(statement->Blob(1))) {
      return absl::DataLossError("a stored audit entry is unreadable");
    }
    stored.entry.set_name(absl::StrFormat("organizations/%s/auditEntries/%020d", query.organization,
                                          stored.sequence));
  }
  return entries;
}

absl::StatusOr<std::vector<std::string>> SqliteTables::ListOrganizations(absl::string_view after,
                                                                         int limit) {
  CASEWORK_ASSIGN_OR_RETURN(
      auto statement,
      connection_.Prepare("SELECT DISTINCT organization FROM teams WHERE organization > ? ORDER BY "
                          "organization LIMIT ?"));
  statement->Bind(after).Bind(int64_t{limit});
  std::vector<std::string> organizations;
  while (true) {
    CASEWORK_ASSIGN_OR_RETURN(bool row, statement->Step());
    if (!row) break;
    organizations.push_back(statement->Text(0));
  }
  return organizations;
}

absl::Status SqliteTables::Insert(const google::protobuf::Message& resource) {
  CASEWORK_ASSIGN_OR_RETURN(Identity identity, IdentityOf(resource));
  Columns columns = ListColumns(identity.kind, resource);
  std::vector<std::string> names = {"name", "organization", "parent", "etag", "body"};
  for (const auto& [column, value] : columns) names.emplace_back(column);
  std::vector<std::string> marks(names.size(), "?");
  CASEWORK_ASSIGN_OR_RETURN(
      auto statement, connection_.Prepare(absl::StrCat("INSERT INTO ", TableOf(identity.kind), " (",
                                                       absl::StrJoin(names, ", "), ") VALUES (",
                                                       absl::StrJoin(marks, ", "), ")")));
  statement->Bind(identity.name)
      .Bind(OrganizationOfName(identity.name))
      .Bind(ParentOf(identity.name))
      .Bind(identity.etag)
      .BindBlob(resource.SerializeAsString());
  for (const auto& [column, value] : columns) BindValue(*statement, value);
  return statement->Run();
}

absl::Status SqliteTables::Update(const google::protobuf::Message& resource,
                                  absl::string_view expected_etag) {
  CASEWORK_ASSIGN_OR_RETURN(Identity identity, IdentityOf(resource));
  Columns columns = ListColumns(identity.kind, resource);
  std::vector<std::string> sets = {"etag = ?", "body = ?"};
  for (const auto& [column, value] : columns) sets.push_back(absl::StrCat(column, " = ?"));
  {
    CASEWORK_ASSIGN_OR_RETURN(
        auto statement, connection_.Prepare(absl::StrCat("UPDATE ", TableOf(identity.kind), " SET ",
                                                         absl::StrJoin(sets, ", "),
                                                         " WHERE name = ? AND etag = ?")));
    statement->Bind(identity.etag).BindBlob(resource.SerializeAsString());
    for (const auto& [column, value] : columns) BindValue(*statement, value);
    statement->Bind(identity.name).Bind(expected_etag);
    CASEWORK_RETURN_IF_ERROR(statement->Run());
  }
  if (connection_.Changes() == 1) return absl::OkStatus();
  return ExplainUnchanged(TableOf(identity.kind), identity.name);
}

absl::Status SqliteTables::Delete(ResourceKind kind, absl::string_view name,
                                  absl::string_view expected_etag) {
  {
    CASEWORK_ASSIGN_OR_RETURN(auto statement,
                              connection_.Prepare(absl::StrCat("DELETE FROM ", TableOf(kind),
                                                               " WHERE name = ? AND etag = ?")));
    statement->Bind(name).Bind(expected_etag);
    CASEWORK_RETURN_IF_ERROR(statement->Run());
  }
  if (connection_.Changes() == 1) return absl::OkStatus();
  return ExplainUnchanged(TableOf(kind), name);
}

absl::StatusOr<int> SqliteTables::DeleteTree(ResourceKind kind, absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("DeleteTree needs a name");
  // Beneath `name` are the names from `name/` up to (excluding) `name0`: '0' follows '/'.
  const std::string first_below = absl::StrCat(name, "/"), past_below = absl::StrCat(name, "0");
  int deleted = 0;
  for (ResourceKind beneath : KindsBeneath(kind)) {
    CASEWORK_ASSIGN_OR_RETURN(auto statement,
                              connection_.Prepare(absl::StrCat("DELETE FROM ", TableOf(beneath),
                                                               " WHERE name >= ? AND name < ?")));
    CASEWORK_RETURN_IF_ERROR(statement->Bind(first_below).Bind(past_below).Run());
    deleted += static_cast<int>(connection_.Changes());
  }
  CASEWORK_ASSIGN_OR_RETURN(auto statement, connection_.Prepare(absl::StrCat(
                                                "DELETE FROM ", TableOf(kind), " WHERE name = ?")));
  CASEWORK_RETURN_IF_ERROR(statement->Bind(name).Run());
  return deleted + static_cast<int>(connection_.Changes());
}

absl::StatusOr<int> SqliteTables::ForgetRequestIds(absl::string_view organization,
                                                   absl::Time before) {
  {
    CASEWORK_ASSIGN_OR_RETURN(
        auto statement,
        connection_.Prepare(
            "DELETE FROM idempotency_keys WHERE organization = ? AND create_time < ?"));
    statement->Bind(organization).Bind(absl::ToUnixMicros(before));
    CASEWORK_RETURN_IF_ERROR(statement->Run());
  }
  return static_cast<int>(connection_.Changes());
}

absl::Status SqliteTables::ExplainUnchanged(const char* table, absl::string_view name) {
  CASEWORK_ASSIGN_OR_RETURN(auto statement, connection_.Prepare(absl::StrCat(
                                                "SELECT etag FROM ", table, " WHERE name = ?")));
  statement->Bind(name);
  CASEWORK_ASSIGN_OR_RETURN(bool row, statement->Step());
  if (!row) return absl::NotFoundError(absl::StrCat(name, " does not exist"));
  return absl::AbortedError(absl::StrCat(name, " has another etag"));
}

absl::StatusOr<std::string> SqliteTables::AppendAudit(const casework::v1::AuditEntry& entry) {
  casework::v1::AuditEntry stored = entry;
  stored.clear_name();
  CASEWORK_ASSIGN_OR_RETURN(
      auto statement,
      connection_.Prepare("INSERT INTO audit_entries (organization, body) VALUES (?, ?)"));
  statement->Bind(entry.organization()).BindBlob(stored.SerializeAsString());
  CASEWORK_RETURN_IF_ERROR(statement->Run());
  return absl::StrFormat("organizations/%s/auditEntries/%020d", entry.organization(),
                         sqlite3_last_insert_rowid(connection_.db()));
}

}  // namespace casework::records
