// The message types the records store keeps.
#include "services/records/domain/record_store.h"

#include "absl/strings/str_cat.h"
#include "casework/v1/action_item.pb.h"
#include "casework/v1/case.pb.h"
#include "casework/v1/meeting.pb.h"
#include "casework/v1/retention.pb.h"
#include "casework/v1/session_record.pb.h"
#include "casework/v1/team.pb.h"

namespace casework::records {

absl::StatusOr<ResourceKind> KindOf(const google::protobuf::Message& message) {
  const google::protobuf::Descriptor* type = message.GetDescriptor();
  if (type == casework::v1::Team::descriptor()) return ResourceKind::kTeam;
  if (type == casework::v1::Case::descriptor()) return ResourceKind::kCase;
  if (type == casework::v1::Goal::descriptor()) return ResourceKind::kGoal;
  if (type == casework::v1::BenefitIndicator::descriptor()) return ResourceKind::kBenefitIndicator;
  if (type == casework::v1::Meeting::descriptor()) return ResourceKind::kMeeting;
  if (type == casework::v1::ActionItem::descriptor()) return ResourceKind::kActionItem;
  if (type == casework::v1::SessionRecord::descriptor()) return ResourceKind::kSessionRecord;
  if (type == casework::v1::RetentionPolicy::descriptor()) return ResourceKind::kRetentionPolicy;
  return absl::InvalidArgumentError(absl::StrCat("the store keeps no ", type->full_name()));
}

}  // namespace casework::records
