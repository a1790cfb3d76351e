// PostgreSQL connections, binary parameters and results, SQLSTATE mapping.
#include "services/records/store/postgres_connection.h"

#include <endian.h>

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/status/errors.h"

namespace casework::records {
namespace {

// Type OIDs of the parameters we send (pg_type.h).
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;

struct ConnInfoFreer {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};

absl::Status Unavailable(absl::string_view cause, absl::string_view message) {
  return Error(absl::StatusCode::kUnavailable, "STORE_UNAVAILABLE", message,
               {{"cause", std::string(cause)}});
}

}  // namespace

absl::Status CheckConnInfo(const std::string& conninfo) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConnInfoFreer> options(
      PQconninfoParse(conninfo.c_str(), &error));
  if (options == nullptr) {
    std::string message(error != nullptr ? absl::StripTrailingAsciiWhitespace(error) : "");
    PQfreemem(error);
    return absl::InvalidArgumentError(
        absl::StrCat("the PostgreSQL connection string does not parse: ", message));
  }
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (std::strcmp(option->keyword, "password") == 0 && option->val != nullptr &&
        option->val[0] != '\0') {
      return absl::InvalidArgumentError(
          "the PostgreSQL connection string carries a password; pass it in a file "
          "(--store_password_file) or the PGPASSWORD environment variable instead");
    }
  }
  return absl::OkStatus();
}

PgParams& PgParams::Text(absl::string_view text) {
  values_.emplace_back(text);
  types_.push_back(kTextOid);
  return *this;
}

PgParams& PgParams::Int(int64_t number) {
  const uint64_t big_endian = htobe64(static_cast<uint64_t>(number));
  values_.emplace_back(reinterpret_cast<const char*>(&big_endian), sizeof(big_endian));
  types_.push_back(kInt8Oid);
  return *this;
}

PgParams& PgParams::Bytes(absl::string_view bytes) {
  values_.emplace_back(bytes);
  types_.push_back(kByteaOid);
  return *this;
}

std::vector<const char*> PgParams::values() const {
  std::vector<const char*> pointers;
  for (const std::string& value : values_) pointers.push_back(value.data());
  return pointers;
}

std::vector<int> PgParams::lengths() const {
  std::vector<int> sizes;
  for (const std::string& value : values_) sizes.push_back(static_cast<int>(value.size()));
  return sizes;
}

int64_t PgRows::affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  return tuples[0] == '\0' ? 0 : std::strtoll(tuples, nullptr, 10);
}

std::string PgRows::Bytes(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     PQgetlength(result_.get(), row, column));
}

int64_t PgRows::Int(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  if (PQgetlength(result_.get(), row, column) == 4) {
    uint32_t big_endian;
    std::memcpy(&big_endian, value, sizeof(big_endian));
    return static_cast<int32_t>(be32toh(big_endian));
  }
  uint64_t big_endian = 0;
  if (PQgetlength(result_.get(), row, column) == 8) {
    std::memcpy(&big_endian, value, sizeof(big_endian));
  }
  return static_cast<int64_t>(be64toh(big_endian));
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Open(const PgConnectOptions& options) {
  if (absl::Status checked = CheckConnInfo(options.conninfo); !checked.ok()) return checked;
  const std::string timeout =
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(options.connect_timeout)));
  std::vector<const char*> keywords = {"dbname", "application_name", "connect_timeout"};
  std::vector<const char*> values = {options.conninfo.c_str(), "casework-records", timeout.c_str()};
  if (!options.password.empty()) {
    keywords.push_back("password");
    values.push_back(options.password.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  // expand_dbname = 1: `dbname` holds the whole connection string; later keywords override it.
  PgConnHandle connection(PQconnectdbParams(keywords.data(), values.data(), 1));
  if (connection == nullptr) return Unavailable("CONNECTION", "out of memory for a connection");
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    return Unavailable(
        "CONNECTION",
        absl::StrCat("cannot connect to PostgreSQL: ",
                     absl::StripTrailingAsciiWhitespace(PQerrorMessage(connection.get()))));
  }
  std::unique_ptr<PgConnection> opened(new PgConnection(std::move(connection)));
  // Durability does not depend on the server's defaults: COMMIT returns once the WAL is flushed
  // (and on synchronous standbys, when the server has any).
  if (absl::Status set = opened->Exec("SET synchronous_commit = on; SET client_encoding = 'UTF8'; "
                                      "SET client_min_messages = warning");
      !set.ok()) {
    return set;
  }
  return opened;
}

absl::Status PgConnection::Check(const PGresult* result, absl::string_view what) {
  const ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return absl::OkStatus();
  const char* sqlstate = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string code = sqlstate != nullptr ? sqlstate : (broken() ? "08006" : "XX000");
  if (code == "40001" || code == "40P01") retryable_failure_ = true;
  const char* message =
      result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(connection_.get());
  return PgError(code, absl::StrCat(what, ": ", absl::StripTrailingAsciiWhitespace(message)));
}

absl::Status PgConnection::Exec(absl::string_view sql) {
  PgResultHandle result(PQexec(connection_.get(), std::string(sql).c_str()));
  return Check(result.get(), sql.substr(0, 60));
}

absl::StatusOr<PgRows> PgConnection::Run(const std::string& sql, const PgParams& params) {
  auto prepared = prepared_.find(sql);
  if (prepared == prepared_.end()) {
    const std::string name = absl::StrCat("s", prepared_.size());
    PgResultHandle result(PQprepare(connection_.get(), name.c_str(), sql.c_str(), params.size(),
                                    params.types().data()));
    if (absl::Status ok = Check(result.get(), absl::StrCat("prepare ", sql.substr(0, 60)));
        !ok.ok()) {
      return ok;
    }
    prepared = prepared_.emplace(sql, name).first;
  }
  const std::vector<const char*> values = params.values();
  const std::vector<int> lengths = params.lengths();
  const std::vector<int> formats(params.size(), 1);
  PgResultHandle result(PQexecPrepared(connection_.get(), prepared->second.c_str(), params.size(),
                                       values.data(), lengths.data(), formats.data(),
                                       /*resultFormat=*/1));
  if (absl::Status ok = Check(result.get(), sql.substr(0, 60)); !ok.ok()) return ok;
  return PgRows(std::move(result));
}

absl::Status PgError(absl::string_view sqlstate, absl::string_view message) {
  if (sqlstate == "23505") return absl::AlreadyExistsError(message);
  if (absl::StartsWith(sqlstate, "23")) return absl::FailedPreconditionError(message);
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return Unavailable("SERIALIZATION_FAILURE", message);
  }
  // Connection exceptions, insufficient resources, operator intervention (shutdown, cancel),
  // system errors, and statements refused because an earlier one aborted the transaction.
  for (absl::string_view transient : {"08", "53", "57", "58"}) {
    if (absl::StartsWith(sqlstate, transient)) return Unavailable("CONNECTION", message);
  }
  if (sqlstate == "25P02") return Unavailable("TRANSACTION_ABORTED", message);
  return absl::InternalError(message);
}

}  // namespace casework::records
