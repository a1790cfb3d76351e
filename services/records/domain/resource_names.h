// Resource names of the records service (AIP-122): parsing what callers send, building what the
// service returns. Names are parsed strictly; a malformed name is INVALID_ARGUMENT (FIELD_INVALID)
// naming the request field, and never reveals anything about stored resources.
#ifndef SERVICES_RECORDS_DOMAIN_RESOURCE_NAMES_H_
#define SERVICES_RECORDS_DOMAIN_RESOURCE_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace casework::records {

struct TeamName {
  std::string organization;
  std::string team;
  std::string Full() const;
};

// A resource directly under a team (cases, meetings, actionItems, sessionRecords) or under a case
// (goals, benefitIndicators): its parent's name and its own id.
struct ChildName {
  TeamName team;
  std::string case_id;  // set for children of a case and for cases themselves
  std::string id;
  std::string full;  // the whole name
  std::string CaseFull() const;
};

// `organizations/{organization}` → the organisation id.
absl::StatusOr<std::string> ParseOrganizationName(absl::string_view name, absl::string_view field);
absl::StatusOr<TeamName> ParseTeamName(absl::string_view name, absl::string_view field);
// `organizations/{o}/teams/{t}/{collection}/{id}`.
absl::StatusOr<ChildName> ParseTeamChild(absl::string_view name, absl::string_view collection,
                                         absl::string_view field);
absl::StatusOr<ChildName> ParseCaseName(absl::string_view name, absl::string_view field);
// `organizations/{organization}/retentionPolicy` (a singleton) → the organisation id.
absl::StatusOr<std::string> ParseRetentionPolicyName(absl::string_view name,
                                                     absl::string_view field);
// `organizations/{o}/teams/{t}/cases/{c}/{collection}/{id}`.
absl::StatusOr<ChildName> ParseCaseChild(absl::string_view name, absl::string_view collection,
                                         absl::string_view field);

// The organisation id a name starts with, or "" (for audit entries of malformed requests).
std::string OrganizationOf(absl::string_view name);

// Ids chosen by callers: lower-case letters, digits and dashes, 1–63 characters, starting with a
// letter or digit.
bool IsValidId(absl::string_view id);
// A fresh random id (a UUIDv4 in text form) for resources created without one.
std::string NewId();

}  // namespace casework::records

#endif  // SERVICES_RECORDS_DOMAIN_RESOURCE_NAMES_H_
