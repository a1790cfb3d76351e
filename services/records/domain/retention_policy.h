// The rules of an organisation's retention policy (proto/casework/v1/retention.proto): each
// duration's server default and bounds, the effective policy a caller reads (defaults filled in),
// and when a closed case or a session record is past it. Pure functions of the policy and times.
#ifndef SERVICES_RECORDS_DOMAIN_RETENTION_POLICY_H_
#define SERVICES_RECORDS_DOMAIN_RETENTION_POLICY_H_

#include <google/protobuf/duration.pb.h>

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "casework/v1/retention.pb.h"
#include "services/records/domain/request_checks.h"

namespace casework::records {

// One duration of the policy: its field, default and bounds (inclusive), with the bounds in words
// for the violations that name them.
struct RetentionRule {
  const char* field;
  absl::Duration default_value;
  absl::Duration min;
  absl::Duration max;
  const char* min_text;
  const char* max_text;
  bool (casework::v1::RetentionPolicy::*has)() const;
  const google::protobuf::Duration& (casework::v1::RetentionPolicy::*get)() const;
  google::protobuf::Duration* (casework::v1::RetentionPolicy::*set)();
};

// The three rules: session_log_retention, closed_case_retention, session_record_retention.
const std::vector<RetentionRule>& RetentionRules();
const RetentionRule& ClosedCaseRule();
const RetentionRule& SessionRecordRule();

// The etag of a policy the organisation never changed (stored ones count up from it).
inline constexpr absl::string_view kDefaultPolicyEtag = "0-0";

// `organizations/{organization}/retentionPolicy`.
std::string RetentionPolicyName(absl::string_view organization);

// `stored` (or, when `found` is false, the default policy of `organization`) with every duration
// it leaves unset at its default.
casework::v1::RetentionPolicy EffectivePolicy(absl::string_view organization, bool found,
                                              casework::v1::RetentionPolicy stored);

// The value `rule` has in `policy`, its default when unset.
absl::Duration RetentionOf(const casework::v1::RetentionPolicy& policy, const RetentionRule& rule);

// A violation of `<prefix>.<field>` for every duration set outside its bounds (or not a valid
// google.protobuf.Duration), naming the limit.
void CheckRetentionBounds(const casework::v1::RetentionPolicy& policy, absl::string_view prefix,
                          Violations& violations);

// Whether something whose retention started at `start` (a case's close time, a session record's
// store time) is past `retention` at `now`. Exactly at the limit it is not: nothing goes early.
inline bool PastRetention(absl::Time start, absl::Duration retention, absl::Time now) {
  return start + retention < now;
}

}  // namespace casework::records

#endif  // SERVICES_RECORDS_DOMAIN_RETENTION_POLICY_H_
