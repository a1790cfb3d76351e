// Action items: created by any member of the team, changed by their owner, creator or the team's
// supervisor, read by the team's members (and the notification service for reminders).
#include "libs/list_filter/list_filter.h"
#include "libs/status/errors.h"
#include "libs/status/status_macros.h"
#include "services/records/domain/operations.h"

namespace casework::records::ops {
namespace {

using casework::v1::ActionItem;

constexpr unsigned kItemReaders = kNotificationService;

casework::v1::TeamRole RoleFor(casework::v1::ActionItemOwnerRole role) {
  return role == casework::v1::ACTION_ITEM_OWNER_ROLE_SUPERVISOR
             ? casework::v1::TEAM_ROLE_SUPERVISOR
             : casework::v1::TEAM_ROLE_CASEWORKER;
}

// Field checks, then that the owner holds the owner role in the team.
absl::Status CheckItem(const casework::v1::Team& team, const ActionItem& item,
                       Violations& violations) {
  violations.CheckToken("action_item.owner", item.owner(), 128);
  if (item.owner_role() == casework::v1::ACTION_ITEM_OWNER_ROLE_UNSPECIFIED ||
      !casework::v1::ActionItemOwnerRole_IsValid(item.owner_role())) {
    violations.Add("action_item.owner_role", "is required: SUPERVISOR or CASEWORKER");
  }
  violations.CheckText("action_item.text", item.text(), 1, 2000);
  violations.Require(item.has_due_time(), "action_item.due_time");
  if (!casework::v1::ActionItemState_IsValid(item.state())) {
    violations.Add("action_item.state", "invalid");
  }
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  if (!HoldsTeamRole(team, item.owner(), RoleFor(item.owner_role()))) {
    const bool supervisor = item.owner_role() == casework::v1::ACTION_ITEM_OWNER_ROLE_SUPERVISOR;
    return Error(absl::StatusCode::kInvalidArgument, "NOT_A_TEAM_MEMBER",
                 "action_item.owner must hold the owner role in the team",
                 {{"field", "action_item.owner"},
                  {"required_role", supervisor ? "SUPERVISOR" : "CASEWORKER"}});
  }
  return absl::OkStatus();
}

// The source of a new item must be a meeting or a visible case of the same team.
absl::Status CheckSource(OpContext& ctx, const TeamView& team, const ActionItem& item) {
  if (item.has_session()) {
    return InvalidArgument("FIELD_INVALID",
                           {{"action_item.session", "is set by the records service only"}});
  }
  if (item.has_meeting()) {
    casework::v1::Meeting meeting;
    absl::StatusOr<bool> found = absl::StartsWith(item.meeting(), team.team.name() + "/meetings/")
                                     ? ctx.reader.Get(item.meeting(), meeting)
                                     : absl::StatusOr<bool>(false);
    if (!found.ok()) return found.status();
    if (!*found) {
      return InvalidArgument("FIELD_INVALID",
                             {{"action_item.meeting", "must name a meeting of the team"}});
    }
  }
  if (item.has_case_()) {
    casework::v1::Case record;
    absl::StatusOr<bool> found = absl::StartsWith(item.case_(), team.team.name() + "/cases/")
                                     ? ctx.reader.Get(item.case_(), record)
                                     : absl::StatusOr<bool>(false);
    if (!found.ok()) return found.status();
    if (!*found || !MayReadCase(ctx.principal, team.standing, record)) {
      return InvalidArgument("FIELD_INVALID",
                             {{"action_item.case", "must name a case of the team you work on"}});
    }
  }
  return absl::OkStatus();
}

// Completes an item for a reader: overdue computed, the source case hidden from those who may
// not know of it.
void PrepareForReader(OpContext& ctx, const TeamView& team, ActionItem& item) {
  item.set_overdue(IsOverdue(item, ctx.now));
  if (!item.has_case_() || team.standing.supervisor) return;
  casework::v1::Case record;
  absl::StatusOr<bool> found = ctx.reader.Get(item.case_(), record);
  RedactActionItem(ctx.principal, team.standing,
                   found.ok() && *found ? record.caseworker() : std::string(), item);
}

absl::StatusOr<std::pair<TeamView, ActionItem>> LoadItem(OpContext& ctx, absl::string_view name,
                                                         absl::string_view field) {
  CASEWORK_ASSIGN_OR_RETURN(ChildName child, ParseTeamChild(name, "actionItems", field));
  CASEWORK_ASSIGN_OR_RETURN(TeamView team, LoadTeam(ctx, child.team, name, kItemReaders));
  ActionItem item;
  CASEWORK_ASSIGN_OR_RETURN(bool found, ctx.reader.Get(name, item));
  if (!found) return NotFound(name);
  return std::make_pair(std::move(team), std::move(item));
}

void SetCompletion(const ActionItem& before, ActionItem& after, absl::Time now) {
  const bool done = after.state() == casework::v1::ACTION_ITEM_STATE_DONE;
  if (done && before.state() != casework::v1::ACTION_ITEM_STATE_DONE) {
    *after.mutable_complete_time() = ToProtoTime(now);
  }
  if (!done) after.clear_complete_time();
}

}  // namespace

absl::StatusOr<ActionItem> CreateActionItem(OpContext& ctx,
                                            const casework::v1::CreateActionItemRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(TeamName team_name, ParseTeamName(request.parent(), "parent"));
  CASEWORK_ASSIGN_OR_RETURN(TeamView team,
                            LoadTeam(ctx, team_name, request.parent(), kMembersOnly));
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.action_item_id().empty() && !IsValidId(request.action_item_id())) {
    violations.Add("action_item_id", "must be 1–63 lower-case letters, digits and dashes");
  }
  ActionItem item = request.action_item();
  if (item.state() == casework::v1::ACTION_ITEM_STATE_UNSPECIFIED) {
    item.set_state(casework::v1::ACTION_ITEM_STATE_OPEN);
  }
  CASEWORK_RETURN_IF_ERROR(CheckItem(team.team, item, violations));
  CASEWORK_RETURN_IF_ERROR(CheckSource(ctx, team, item));
  item.set_name(
      absl::StrCat(team.team.name(), "/actionItems/",
                   request.action_item_id().empty() ? NewId() : request.action_item_id()));
  item.set_creator(ctx.principal.subject());
  item.clear_overdue();
  item.clear_complete_time();
  SetCompletion(ActionItem(), item, ctx.now);
  StampCreated(item, ctx.now);
  CASEWORK_RETURN_IF_ERROR(InsertNew(ctx, item, item.name()));
  PrepareForReader(ctx, team, item);
  return item;
}

absl::StatusOr<ActionItem> GetActionItem(OpContext& ctx,
                                         const casework::v1::GetActionItemRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(auto loaded, LoadItem(ctx, request.name(), "name"));
  PrepareForReader(ctx, loaded.first, loaded.second);
  return loaded.second;
}

absl::StatusOr<casework::v1::ListActionItemsResponse> ListActionItems(
    OpContext& ctx, const casework::v1::ListActionItemsRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(TeamName team_name, ParseTeamName(request.parent(), "parent"));
  // The teams to list: one, or with "-" every team of the organisation the caller belongs to.
  std::vector<TeamView> teams;
  if (team_name.team == "-") {
    if (!ActsInOrganization(ctx.principal, team_name.organization)) {
      return NotFound(request.parent());
    }
    ListQuery all{ResourceKind::kTeam, team_name.organization};
    CASEWORK_ASSIGN_OR_RETURN(std::vector<casework::v1::Team> found,
                              ListAll<casework::v1::Team>(ctx.reader, all));
    for (casework::v1::Team& team : found) {
      TeamStanding standing = StandingIn(ctx.principal, team);
      if (standing.member || InAudience(ctx.principal, kItemReaders)) {
        teams.push_back({std::move(team), standing});
      }
    }
  } else {
    CASEWORK_ASSIGN_OR_RETURN(TeamView team,
                              LoadTeam(ctx, team_name, request.parent(), kItemReaders));
    teams.push_back(std::move(team));
  }
  CASEWORK_ASSIGN_OR_RETURN(
      ListFilter filter, ListFilter::Parse(request.filter(), *ActionItem::descriptor(),
                                           {"owner", "owner_role", "state", "overdue", "due_time",
                                            "meeting", "session", "case"}));
  ListQuery query{ResourceKind::kActionItem, team_name.organization};
  for (const TeamView& team : teams) query.parents.push_back(team.team.name());
  if (request.order_by().empty() || request.order_by() == "due_time") {
    query.sort = SortField::kDueTime;
  } else if (request.order_by() == "due_time desc") {
    query.sort = SortField::kDueTime;
    query.descending = true;
  } else if (request.order_by() == "create_time desc") {
    query.sort = SortField::kCreateTime;
    query.descending = true;
  } else {
    return InvalidArgument("FIELD_INVALID", {{"order_by",
                                              "must be \"due_time\", \"due_time "
                                              "desc\" or \"create_time desc\""}});
  }
  if (auto owner = filter.EqualityOn("owner"))
    query.equals.push_back({IndexedField::kOwner, *owner});
  if (auto state = filter.EqualityOn("state")) {
    query.equals.push_back({IndexedField::kActionItemState, *state});
  }
  casework::v1::ListActionItemsResponse response;
  if (teams.empty()) return response;
  CASEWORK_ASSIGN_OR_RETURN(
      Page<ActionItem> page,
      ListPage<ActionItem>(ctx, query, request.page_size(), request.page_token(),
                           PageBinding(ctx, request.parent(), request.filter(), request.order_by()),
                           [&](ActionItem& item) {
                             const TeamView* team = &teams.front();
                             for (const TeamView& candidate : teams) {
                               if (absl::StartsWith(item.name(), candidate.team.name() + "/"))
                                 team = &candidate;
                             }
                             item.set_overdue(IsOverdue(item, ctx.now));
                             if (!filter.Matches(item)) return false;
                             PrepareForReader(ctx, *team, item);
                             return true;
                           }));
  for (ActionItem& item : page.items) *response.add_action_items() = std::move(item);
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<ActionItem> UpdateActionItem(OpContext& ctx,
                                            const casework::v1::UpdateActionItemRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(auto loaded,
                            LoadItem(ctx, request.action_item().name(), "action_item.name"));
  auto& [team, stored] = loaded;
  const std::string& me = ctx.principal.subject();
  if (!team.standing.member ||
      !(team.standing.supervisor || stored.owner() == me || stored.creator() == me)) {
    return RoleRequired("owner, creator or supervisor", "changing an action item");
  }
  CASEWORK_ASSIGN_OR_RETURN(CheckedMask mask,
                            CheckUpdateMask(request.update_mask(), *ActionItem::descriptor(),
                                            {"owner", "owner_role", "text", "due_time", "state"}));
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  CheckEtagPresent(request.action_item().etag(), "action_item.etag", violations);
  ActionItem updated = stored;
  ApplyUpdateMask(request.action_item(), mask, updated);
  if (updated.state() == casework::v1::ACTION_ITEM_STATE_UNSPECIFIED) {
    violations.Add("action_item.state", "is required");
  }
  CASEWORK_RETURN_IF_ERROR(CheckItem(team.team, updated, violations));
  if (request.action_item().etag() != stored.etag()) return EtagMismatch(stored.etag());
  SetCompletion(stored, updated, ctx.now);
  StampChanged(updated, ctx.now);
  CASEWORK_RETURN_IF_ERROR(ctx.writer->Update(updated, stored.etag()));
  PrepareForReader(ctx, team, updated);
  return updated;
}

absl::StatusOr<google::protobuf::Empty> DeleteActionItem(
    OpContext& ctx, const casework::v1::DeleteActionItemRequest& request) {
  CASEWORK_ASSIGN_OR_RETURN(auto loaded, LoadItem(ctx, request.name(), "name"));
  auto& [team, stored] = loaded;
  if (!team.standing.member ||
      !(team.standing.supervisor || stored.creator() == ctx.principal.subject())) {
    return RoleRequired("creator or supervisor", "deleting an action item");
  }
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  CheckEtagPresent(request.etag(), "etag", violations);
  CASEWORK_RETURN_IF_ERROR(violations.ToStatus());
  if (stored.has_session()) {
    return Error(absl::StatusCode::kFailedPrecondition, "ACTION_ITEM_FROM_SESSION",
                 "an action item from a session is part of its record; cancel it instead");
  }
  if (request.etag() != stored.etag()) return EtagMismatch(stored.etag());
  CASEWORK_RETURN_IF_ERROR(
      ctx.writer->Delete(ResourceKind::kActionItem, stored.name(), stored.etag()));
  return google::protobuf::Empty();
}

}  // namespace casework::records::ops
