// Table and column layout of the records store.
#include "services/records/store/table_layout.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "casework/v1/action_item.pb.h"
#include "casework/v1/case.pb.h"
#include "casework/v1/meeting.pb.h"
#include "casework/v1/retention.pb.h"
#include "casework/v1/session_record.pb.h"
#include "casework/v1/team.pb.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/proto_time.h"

namespace casework::records {

const char* TableOf(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kTeam:
      return "teams";
    case ResourceKind::kCase:
      return "cases";
    case ResourceKind::kGoal:
      return "goals";
    case ResourceKind::kBenefitIndicator:
      return "benefit_indicators";
    case ResourceKind::kMeeting:
      return "meetings";
    case ResourceKind::kActionItem:
      return "action_items";
    case ResourceKind::kSessionRecord:
      return "session_records";
    case ResourceKind::kRetentionPolicy:
      return "retention_policies";
  }
  return "";
}

// The list columns of one resource, besides name, organization, parent, etag and body.
Columns ListColumns(ResourceKind kind, const google::protobuf::Message& message) {
  switch (kind) {
    case ResourceKind::kTeam: {
      const auto& team = static_cast<const casework::v1::Team&>(message);
      return {{"display_name", team.display_name()}};
    }
    case ResourceKind::kCase: {
      const auto& c = static_cast<const casework::v1::Case&>(message);
      return {{"reference", c.reference()},
              {"caseworker", c.caseworker()},
              {"status", int64_t{c.status()}},
              {"risk_level", int64_t{c.risk_level()}},
              {"create_time", ToUnixMicros(c.create_time())},
              {"stage_enter_time", ToUnixMicros(c.stage_enter_time())},
              {"close_time", ToUnixMicros(c.close_time())}};
    }
    case ResourceKind::kGoal:
      return {{"create_time",
               ToUnixMicros(static_cast<const casework::v1::Goal&>(message).create_time())}};
    case ResourceKind::kBenefitIndicator:
      return {{"create_time",
               ToUnixMicros(
                   static_cast<const casework::v1::BenefitIndicator&>(message).create_time())}};
    case ResourceKind::kMeeting:
      return {{"scheduled_time",
               ToUnixMicros(static_cast<const casework::v1::Meeting&>(message).scheduled_time())}};
    case ResourceKind::kActionItem: {
      const auto& item = static_cast<const casework::v1::ActionItem&>(message);
      return {{"owner", item.owner()},
              {"state", int64_t{item.state()}},
              {"due_time", ToUnixMicros(item.due_time())},
              {"create_time", ToUnixMicros(item.create_time())},
              {"source_case", item.case_()}};
    }
    case ResourceKind::kSessionRecord: {
      const auto& record = static_cast<const casework::v1::SessionRecord&>(message);
      return {{"protocol_id", record.protocol_id()},
              {"end_time", ToUnixMicros(record.end_time())},
              {"create_time", ToUnixMicros(record.create_time())}};
    }
    case ResourceKind::kRetentionPolicy:
      return {};
  }
  return {};
}

const char* SortColumn(SortField sort) {
  switch (sort) {
    case SortField::kName:
      return "name";
    case SortField::kDisplayName:
      return "display_name";
    case SortField::kCreateTime:
      return "create_time";
    case SortField::kStageEnterTime:
      return "stage_enter_time";
    case SortField::kRiskLevel:
      return "risk_level";
    case SortField::kScheduledTime:
      return "scheduled_time";
    case SortField::kDueTime:
      return "due_time";
    case SortField::kEndTime:
      return "end_time";
    case SortField::kCloseTime:
      return "close_time";
  }
  return "name";
}

// Column and whether it holds numbers.
std::pair<const char*, bool> IndexedColumn(IndexedField field) {
  switch (field) {
    case IndexedField::kCaseworker:
      return {"caseworker", false};
    case IndexedField::kCaseStatus:
      return {"status", true};
    case IndexedField::kReference:
      return {"reference", false};
    case IndexedField::kOwner:
      return {"owner", false};
    case IndexedField::kActionItemState:
      return {"state", true};
    case IndexedField::kProtocolId:
      return {"protocol_id", false};
    case IndexedField::kSourceCase:
      return {"source_case", false};
  }
  return {"name", false};
}

namespace {

const google::protobuf::Message& DefaultOf(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kTeam:
      return casework::v1::Team::default_instance();
    case ResourceKind::kCase:
      return casework::v1::Case::default_instance();
    case ResourceKind::kGoal:
      return casework::v1::Goal::default_instance();
    case ResourceKind::kBenefitIndicator:
      return casework::v1::BenefitIndicator::default_instance();
    case ResourceKind::kMeeting:
      return casework::v1::Meeting::default_instance();
    case ResourceKind::kActionItem:
      return casework::v1::ActionItem::default_instance();
    case ResourceKind::kSessionRecord:
      return casework::v1::SessionRecord::default_instance();
    case ResourceKind::kRetentionPolicy:
      return casework::v1::RetentionPolicy::default_instance();
  }
  return casework::v1::Team::default_instance();
}

}  // namespace

const std::vector<ResourceKind>& KindsBeneath(ResourceKind kind) {
  static const auto* beneath_team = new std::vector<ResourceKind>{
      ResourceKind::kGoal,       ResourceKind::kBenefitIndicator, ResourceKind::kCase,
      ResourceKind::kActionItem, ResourceKind::kMeeting,          ResourceKind::kSessionRecord};
  static const auto* beneath_case =
      new std::vector<ResourceKind>{ResourceKind::kGoal, ResourceKind::kBenefitIndicator};
  static const auto* none = new std::vector<ResourceKind>;
  switch (kind) {
    case ResourceKind::kTeam:
      return *beneath_team;
    case ResourceKind::kCase:
      return *beneath_case;
    default:
      return *none;
  }
}

const std::vector<LateColumn>& LateColumns() {
  static const auto* columns =
      new std::vector<LateColumn>{{ResourceKind::kCase, "close_time"},
                                  {ResourceKind::kActionItem, "source_case"},
                                  {ResourceKind::kSessionRecord, "create_time"}};
  return *columns;
}

absl::StatusOr<std::pair<const char*, Value>> LateColumnValue(const LateColumn& column,
                                                              absl::string_view body) {
  std::unique_ptr<google::protobuf::Message> message(DefaultOf(column.kind).New());
  if (!message->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::DataLossError(
        absl::StrCat("a stored ", TableOf(column.kind), " row is unreadable"));
  }
  for (auto& [name, value] : ListColumns(column.kind, *message)) {
    if (absl::string_view(name) == column.name) return std::make_pair(name, std::move(value));
  }
  return absl::InternalError(absl::StrCat(TableOf(column.kind), " has no ", column.name));
}

bool HasColumn(ResourceKind kind, absl::string_view column) {
  if (column == "name") return true;
  for (const auto& [name, value] : ListColumns(kind, DefaultOf(kind))) {
    if (column == name) return true;
  }
  return false;
}

// `organizations/o/teams/t/cases/c` → `organizations/o/teams/t`; a singleton's parent is the name
// without its last segment (`organizations/o/retentionPolicy` → `organizations/o`).
std::string ParentOf(const std::string& name) {
  size_t last = name.rfind('/');
  if (last != std::string::npos && std::count(name.begin(), name.end(), '/') % 2 == 0) {
    return name.substr(0, last);
  }
  if (last == std::string::npos || last == 0) return "";
  size_t collection = name.rfind('/', last - 1);
  return collection == std::string::npos ? "" : name.substr(0, collection);
}

std::string OrganizationOfName(const std::string& name) {
  const size_t start = name.find('/') + 1;
  return name.substr(start, name.find('/', start) - start);
}

absl::StatusOr<Identity> IdentityOf(const google::protobuf::Message& resource) {
  CASEWORK_ASSIGN_OR_RETURN(ResourceKind kind, KindOf(resource));
  const auto* descriptor = resource.GetDescriptor();
  const auto* reflection = resource.GetReflection();
  Identity identity{kind, reflection->GetString(resource, descriptor->FindFieldByName("name")),
                    reflection->GetString(resource, descriptor->FindFieldByName("etag"))};
  if (identity.name.empty()) return absl::InvalidArgumentError("a stored resource needs a name");
  return identity;
}

}  // namespace casework::records
