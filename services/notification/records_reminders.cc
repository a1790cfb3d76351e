// RecordsReminders: records → organisation log, once per item and due time.
#include "services/notification/records_reminders.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <future>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/server/grpc_status.h"
#include "libs/server/json_log.h"

namespace casework::notification {
namespace {

namespace v1 = ::casework::v1;
using google::protobuf::util::TimeUtil;

constexpr int kPageSize = 1000;

}  // namespace

std::optional<OrgEventToAppend> ActionItemReminder(const v1::ActionItem& item, absl::Time now,
                                                   absl::Duration due_soon) {
  if (item.state() != v1::ACTION_ITEM_STATE_OPEN || !item.has_due_time()) return std::nullopt;
  // organizations/{o}/teams/{t}/actionItems/{a}
  std::vector<absl::string_view> parts = absl::StrSplit(item.name(), '/');
  if (parts.size() != 6) return std::nullopt;
  const absl::Time due = absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(item.due_time()));
  const bool overdue = due <= now;
  if (!overdue && due - now > due_soon) return std::nullopt;
  OrgEventToAppend out;
  out.dedup_key =
      absl::StrCat(overdue ? "overdue:" : "due-soon:", item.name(), "@", absl::ToUnixSeconds(due));
  out.recipients = absl::StrCat("user:", item.owner(), ",supervisor:", parts[3]);
  out.event.set_team(absl::StrCat("organizations/", parts[1], "/teams/", parts[3]));
  *out.event.mutable_event_time() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  v1::ActionItemNotice* notice =
      overdue ? out.event.mutable_action_item_overdue() : out.event.mutable_action_item_due_soon();
  notice->set_action_item(item.name());
  notice->set_owner(item.owner());
  notice->set_owner_role(item.owner_role());
  *notice->mutable_due_time() = item.due_time();
  return out;
}

std::optional<OrgEventToAppend> MeetingReminder(const v1::Team& team, absl::Time now,
                                                absl::Duration lead) {
  if (!team.has_meeting_cadence()) return std::nullopt;
  const v1::MeetingCadence& cadence = team.meeting_cadence();
  absl::TimeZone zone;
  if (cadence.interval_weeks() < 1 || !absl::LoadTimeZone(cadence.time_zone(), &zone)) {
    return std::nullopt;
  }
  std::vector<absl::string_view> parts = absl::StrSplit(team.name(), '/');
  if (parts.size() != 4) return std::nullopt;
  const absl::Time anchor =
      absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(cadence.anchor_time()));
  const absl::CivilDay first = absl::ToCivilDay(anchor, zone);
  const int step = 7 * cadence.interval_weeks();
  auto start_of = [&](absl::CivilDay day) {
    return absl::FromCivil(
        absl::CivilSecond(day.year(), day.month(), day.day(), cadence.start_time().hours(),
                          cadence.start_time().minutes(), 0),
        zone);
  };
  // The first meeting that starts after `now` (local time is kept across daylight saving).
  const int64_t days = absl::ToCivilDay(now, zone) - first;
  absl::CivilDay day = first + std::max<int64_t>(0, days / step) * step;
  while (start_of(day) <= now) day += step;
  const absl::Time start = start_of(day);
  if (start - now > lead) return std::nullopt;
  bool extended = false;
  switch (cadence.extended_meeting().occurrence()) {
    case v1::MONTHLY_OCCURRENCE_FIRST:
      extended = absl::CivilMonth(day - step) != absl::CivilMonth(day);
      break;
    case v1::MONTHLY_OCCURRENCE_LAST:
      extended = absl::CivilMonth(day + step) != absl::CivilMonth(day);
      break;
    default:
      break;
  }
  OrgEventToAppend out;
  out.dedup_key = absl::StrCat("meeting:", team.name(), "@", absl::ToUnixSeconds(start));
  out.recipients = absl::StrCat("team:", parts[3]);
  out.event.set_team(team.name());
  *out.event.mutable_event_time() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  v1::MeetingDueNotice* notice = out.event.mutable_meeting_due();
  *notice->mutable_scheduled_time() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(start));
  notice->set_kind(extended ? v1::MEETING_KIND_EXTENDED : v1::MEETING_KIND_REGULAR);
  return out;
}

RecordsReminders::RecordsReminders(RecordsClient& records, OrgEventLog& log,
                                   ReminderOptions options,
                                   std::function<std::vector<std::string>()> organizations)
    : records_(records), log_(log), options_(options), organizations_(std::move(organizations)) {
  ticker_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.interval)) {
      for (const std::string& organization : organizations_()) {
        absl::Status polled = PollOrganization(organization, absl::Now());
        if (!polled.ok()) {
          Log(LogSeverity::kWarning, "action item reminders: poll failed",
              {{"organization", organization}, {"error", std::string(polled.message())}});
        }
      }
    }
  });
}

RecordsReminders::~RecordsReminders() { StopTicker(); }

void RecordsReminders::StopTicker() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (ticker_.joinable()) ticker_.join();
}

absl::Status RecordsReminders::LinkMeetingRecord(const std::string& team,
                                                 v1::MeetingDueNotice& notice) {
  grpc::ClientContext context;
  if (absl::Status prepared = records_.Prepare(context); !prepared.ok()) return prepared;
  v1::ListMeetingsRequest request;
  request.set_parent(team);
  request.set_page_size(1);
  request.set_filter(
      absl::StrCat("scheduled_time = \"", TimeUtil::ToString(notice.scheduled_time()), "\""));
  v1::ListMeetingsResponse response;
  grpc::Status status = records_.stub().ListMeetings(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  if (!response.meetings().empty()) notice.set_meeting(response.meetings(0).name());
  return absl::OkStatus();
}

absl::Status RecordsReminders::PollOrganization(const std::string& organization, absl::Time now) {
  std::vector<OrgEventToAppend> reminders;
  std::string page_token;
  do {  // meetings due, from every team's cadence
    grpc::ClientContext context;
    if (absl::Status prepared = records_.Prepare(context); !prepared.ok()) return prepared;
    v1::ListTeamsRequest request;
    request.set_parent(absl::StrCat("organizations/", organization));
    request.set_page_size(kPageSize);
    request.set_page_token(page_token);
    v1::ListTeamsResponse response;
    grpc::Status status = records_.stub().ListTeams(&context, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    for (const v1::Team& team : response.teams()) {
      std::optional<OrgEventToAppend> reminder = MeetingReminder(team, now, options_.due_soon);
      if (!reminder.has_value()) continue;
      if (absl::Status linked =
              LinkMeetingRecord(team.name(), *reminder->event.mutable_meeting_due());
          !linked.ok()) {
        return linked;
      }
      reminders.push_back(*std::move(reminder));
    }
    page_token = response.next_page_token();
  } while (!page_token.empty());
  do {  // action items due soon or overdue, of every team
    grpc::ClientContext context;
    if (absl::Status prepared = records_.Prepare(context); !prepared.ok()) return prepared;
    v1::ListActionItemsRequest request;
    request.set_parent(absl::StrCat("organizations/", organization, "/teams/-"));
    request.set_page_size(kPageSize);
    request.set_page_token(page_token);
    v1::ListActionItemsResponse response;
    grpc::Status status = records_.stub().ListActionItems(&context, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    for (const v1::ActionItem& item : response.action_items()) {
      std::optional<OrgEventToAppend> reminder = ActionItemReminder(item, now, options_.due_soon);
      if (reminder.has_value()) reminders.push_back(*std::move(reminder));
    }
    page_token = response.next_page_token();
  } while (!page_token.empty());
  if (reminders.empty()) return absl::OkStatus();
  std::promise<absl::Status> appended;
  log_.Append(organization, "", 0, 0, std::move(reminders), now,
              [&appended](absl::StatusOr<int64_t> last) { appended.set_value(last.status()); });
  return appended.get_future().get();
}

}  // namespace casework::notification
