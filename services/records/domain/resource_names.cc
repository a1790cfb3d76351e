// Strict parsing of the records service's resource names.
#include "services/records/domain/resource_names.h"

#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "libs/status/errors.h"

namespace casework::records {
namespace {

absl::Status Malformed(absl::string_view field, absl::string_view pattern) {
  return InvalidArgument("FIELD_INVALID", {{std::string(field),
                                            absl::StrCat("must be a name of the form ", pattern)}});
}

// Splits `name` into segments and checks them one by one: the literal collection segments of
// `pattern`, and each id segment against the id alphabet (IsValidId) or the AIP-159 wildcard "-"
// (which the callers that allow it look for), so no escaped separator ("x%2Fteams%2Ft1") or other
// text passes as an id.
bool Matches(absl::string_view name, const std::vector<absl::string_view>& literals,
             std::vector<std::string>& ids) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != literals.size() * 2) return false;
  ids.clear();
  for (size_t i = 0; i < literals.size(); ++i) {
    const absl::string_view id = parts[2 * i + 1];
    if (parts[2 * i] != literals[i] || !(IsValidId(id) || id == "-")) return false;
    ids.emplace_back(parts[2 * i + 1]);
  }
  return true;
}

}  // namespace

std::string TeamName::Full() const {
  return absl::StrCat("organizations/", organization, "/teams/", team);
}

std::string ChildName::CaseFull() const { return absl::StrCat(team.Full(), "/cases/", case_id); }

absl::StatusOr<std::string> ParseOrganizationName(absl::string_view name, absl::string_view field) {
  std::vector<std::string> ids;
  if (!Matches(name, {"organizations"}, ids)) {
    return Malformed(field, "organizations/{organization}");
  }
  return ids[0];
}

absl::StatusOr<TeamName> ParseTeamName(absl::string_view name, absl::string_view field) {
  std::vector<std::string> ids;
  if (!Matches(name, {"organizations", "teams"}, ids)) {
    return Malformed(field, "organizations/{organization}/teams/{team}");
  }
  return TeamName{ids[0], ids[1]};
}

absl::StatusOr<ChildName> ParseTeamChild(absl::string_view name, absl::string_view collection,
                                         absl::string_view field) {
  std::vector<std::string> ids;
  if (!Matches(name, {"organizations", "teams", collection}, ids)) {
    return Malformed(
        field, absl::StrCat("organizations/{organization}/teams/{team}/", collection, "/{id}"));
  }
  ChildName out{TeamName{ids[0], ids[1]}, "", ids[2], std::string(name)};
  if (collection == "cases") out.case_id = ids[2];
  return out;
}

absl::StatusOr<ChildName> ParseCaseName(absl::string_view name, absl::string_view field) {
  return ParseTeamChild(name, "cases", field);
}

absl::StatusOr<ChildName> ParseCaseChild(absl::string_view name, absl::string_view collection,
                                         absl::string_view field) {
  std::vector<std::string> ids;
  if (!Matches(name, {"organizations", "teams", "cases", collection}, ids)) {
    return Malformed(field, absl::StrCat("organizations/{organization}/teams/{team}/cases/{case}/",
                                         collection, "/{id}"));
  }
  return ChildName{TeamName{ids[0], ids[1]}, ids[2], ids[3], std::string(name)};
}

absl::StatusOr<std::string> ParseRetentionPolicyName(absl::string_view name,
                                                     absl::string_view field) {
  std::vector<std::string> ids;
  constexpr absl::string_view kSingleton = "/retentionPolicy";
  if (!absl::EndsWith(name, kSingleton) ||
      !Matches(name.substr(0, name.size() - kSingleton.size()), {"organizations"}, ids)) {
    return Malformed(field, "organizations/{organization}/retentionPolicy");
  }
  return ids[0];
}

std::string OrganizationOf(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, absl::MaxSplits('/', 2));
  if (parts.size() < 2 || parts[0] != "organizations") return "";
  return std::string(parts[1]);
}

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63 || id.front() == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string NewId() {
  thread_local absl::BitGen bits;
  const uint64_t high = absl::Uniform<uint64_t>(bits);
  const uint64_t low = absl::Uniform<uint64_t>(bits);
  const uint64_t version = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const uint64_t variant = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", version >> 32, (version >> 16) & 0xffff,
                         version & 0xffff, variant >> 48, variant & 0xffffffffffffULL);
}

}  // namespace casework::records
