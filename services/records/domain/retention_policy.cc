// Defaults, bounds and the effective retention policy.
#include "services/records/domain/retention_policy.h"

#include "absl/strings/str_cat.h"
#include "services/records/domain/proto_time.h"

namespace casework::records {
namespace {

using casework::v1::RetentionPolicy;

constexpr absl::Duration Days(int64_t days) { return absl::Hours(24 * days); }

// A google.protobuf.Duration as its documentation allows: nanos within a second, same sign.
bool IsValidDuration(const google::protobuf::Duration& duration) {
  if (duration.nanos() <= -1000000000 || duration.nanos() >= 1000000000) return false;
  return !(duration.seconds() > 0 && duration.nanos() < 0) &&
         !(duration.seconds() < 0 && duration.nanos() > 0);
}

}  // namespace

const std::vector<RetentionRule>& RetentionRules() {
  // Days(2557) is seven years with the two leap days any seven consecutive years hold at most,
  // Days(1827) five years with their two; Days(36525) a hundred years.
  static const auto* rules = new std::vector<RetentionRule>{
      {"session_log_retention", Days(30), absl::Hours(1), Days(365), "1 hour (3600s)",
       "365 days (31536000s)", &RetentionPolicy::has_session_log_retention,
       &RetentionPolicy::session_log_retention, &RetentionPolicy::mutable_session_log_retention},
      {"closed_case_retention", Days(2557), Days(1), Days(36525), "1 day (86400s)",
       "100 years (36525 days, 3155760000s)", &RetentionPolicy::has_closed_case_retention,
       &RetentionPolicy::closed_case_retention, &RetentionPolicy::mutable_closed_case_retention},
      {"session_record_retention", Days(1827), Days(1), Days(36525), "1 day (86400s)",
       "100 years (36525 days, 3155760000s)", &RetentionPolicy::has_session_record_retention,
       &RetentionPolicy::session_record_retention,
       &RetentionPolicy::mutable_session_record_retention},
  };
  return *rules;
}

const RetentionRule& ClosedCaseRule() { return RetentionRules()[1]; }
const RetentionRule& SessionRecordRule() { return RetentionRules()[2]; }

std::string RetentionPolicyName(absl::string_view organization) {
  return absl::StrCat("organizations/", organization, "/retentionPolicy");
}

RetentionPolicy EffectivePolicy(absl::string_view organization, bool found,
                                RetentionPolicy stored) {
  RetentionPolicy policy = found ? std::move(stored) : RetentionPolicy();
  policy.set_name(RetentionPolicyName(organization));
  if (!found) policy.set_etag(std::string(kDefaultPolicyEtag));
  for (const RetentionRule& rule : RetentionRules()) {
    if (!(policy.*rule.has)()) *(policy.*rule.set)() = ToProtoDuration(rule.default_value);
  }
  return policy;
}

absl::Duration RetentionOf(const RetentionPolicy& policy, const RetentionRule& rule) {
  return (policy.*rule.has)() ? FromProtoDuration((policy.*rule.get)()) : rule.default_value;
}

void CheckRetentionBounds(const RetentionPolicy& policy, absl::string_view prefix,
                          Violations& violations) {
  for (const RetentionRule& rule : RetentionRules()) {
    if (!(policy.*rule.has)()) continue;
    const std::string field = absl::StrCat(prefix, ".", rule.field);
    const google::protobuf::Duration& value = (policy.*rule.get)();
    if (!IsValidDuration(value)) {
      violations.Add(field, "is not a valid duration (nanos within a second, same sign)");
      continue;
    }
    const absl::Duration duration = FromProtoDuration(value);
    if (duration < rule.min) {
      violations.Add(field, absl::StrCat("must be at least ", rule.min_text));
    } else if (duration > rule.max) {
      violations.Add(field, absl::StrCat("must be at most ", rule.max_text));
    }
  }
}

}  // namespace casework::records
