// Need-to-know loading, inserts and paging shared by the records operations.
#include "libs/status/errors.h"
#include "services/records/domain/operations.h"

namespace casework::records::ops {

absl::StatusOr<TeamView> LoadTeam(OpContext& ctx, const TeamName& name, absl::string_view requested,
                                  unsigned audience) {
  if (!ActsInOrganization(ctx.principal, name.organization)) return NotFound(requested);
  TeamView view;
  absl::StatusOr<bool> found = ctx.reader.Get(name.Full(), view.team);
  if (!found.ok()) return found.status();
  if (!*found) return NotFound(requested);
  view.standing = StandingIn(ctx.principal, view.team);
  if (!view.standing.member && !InAudience(ctx.principal, audience)) return NotFound(requested);
  return view;
}

absl::StatusOr<CaseView> LoadCase(OpContext& ctx, const ChildName& case_name,
                                  absl::string_view requested) {
  absl::StatusOr<TeamView> team = LoadTeam(ctx, case_name.team, requested, kMembersOnly);
  if (!team.ok()) return team.status();
  CaseView view{*std::move(team), {}};
  absl::StatusOr<bool> found = ctx.reader.Get(case_name.CaseFull(), view.record);
  if (!found.ok()) return found.status();
  if (!*found || !MayReadCase(ctx.principal, view.team.standing, view.record)) {
    return NotFound(requested);
  }
  view.record.set_stagnating(
      IsStagnating(view.record, view.team.team, ctx.now, ctx.policy.stagnation));
  return view;
}

absl::Status AlreadyExists(absl::string_view name) {
  return Error(absl::StatusCode::kAlreadyExists, "RESOURCE_ALREADY_EXISTS",
               absl::StrCat("\"", name, "\" already exists"), {{"resource", std::string(name)}});
}

absl::Status InsertNew(OpContext& ctx, const google::protobuf::Message& resource,
                       absl::string_view name) {
  absl::Status inserted = ctx.writer->Insert(resource);
  if (inserted.code() == absl::StatusCode::kAlreadyExists) return AlreadyExists(name);
  return inserted;
}

std::string PageBinding(const OpContext& ctx, absl::string_view parent, absl::string_view filter,
                        absl::string_view order_by) {
  return absl::StrCat(ctx.method, "\n", ctx.principal.organization(), "\n", ctx.principal.subject(),
                      "\n", parent, "\n", filter, "\n", order_by);
}

absl::StatusOr<Page<std::string>> ListRawPage(OpContext& ctx, ListQuery query, int page_size,
                                              absl::string_view page_token,
                                              absl::string_view binding,
                                              const std::function<bool(std::string& body)>& keep) {
  absl::StatusOr<int> size = EffectivePageSize(page_size);
  if (!size.ok()) return size.status();
  absl::StatusOr<std::optional<Position>> after = ctx.page_tokens.Open(page_token, binding);
  if (!after.ok()) return after.status();
  query.after = *after;
  query.limit = std::min(*size + 1, 1000);
  Page<std::string> page;
  Position last_kept;
  int examined = 0;
  while (true) {
    absl::StatusOr<std::vector<ListedResource>> rows = ctx.reader.List(query);
    if (!rows.ok()) return rows.status();
    for (ListedResource& row : *rows) {
      ++examined;
      const bool full = static_cast<int>(page.items.size()) == *size;
      if (keep(row.body)) {
        if (full) {  // one more match exists: the next page starts after the last one kept
          page.next_page_token = ctx.page_tokens.Seal(last_kept, binding);
          return page;
        }
        page.items.push_back(std::move(row.body));
        last_kept = row.position;
      }
      if (examined >= ctx.policy.max_scan_per_page) {
        page.next_page_token = ctx.page_tokens.Seal(row.position, binding);
        return page;
      }
    }
    if (static_cast<int>(rows->size()) < query.limit) return page;
    query.after = rows->back().position;
  }
}

}  // namespace casework::records::ops
