// Reminders from the records service: an open action item due within 24 hours ("due soon") and
// one past its due time ("overdue") each give one notice to its owner and the team's supervisor;
// a team meeting due within 24 hours by the team's cadence (the month's extended one marked as
// such) gives one notice to the team's members. The records service is asked (as the notification
// service's identity: ListTeams, ListActionItems over every team of an organisation) every
// `interval`; the organisation log's dedup keys, which carry the item and its due time or the
// team and the meeting's time, make each reminder appear once across polls, replicas and restarts
// (a new due date is a new reminder). The organisations polled are those this process has seen
// (session wake-ups and organisation streams). MeetingDueNotice.meeting (a record created for
// that date) is left empty.
#ifndef SERVICES_NOTIFICATION_RECORDS_REMINDERS_H_
#define SERVICES_NOTIFICATION_RECORDS_REMINDERS_H_

#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "casework/v1/action_item.pb.h"
#include "casework/v1/team.pb.h"
#include "libs/records_client/records_client.h"
#include "services/notification/org_event_log.h"

namespace casework::notification {

struct ReminderOptions {
  absl::Duration interval = absl::Minutes(1);
  absl::Duration due_soon = absl::Hours(24);
};

// The reminder `item` calls for at `now`, if any (pure).
std::optional<OrgEventToAppend> ActionItemReminder(const casework::v1::ActionItem& item,
                                                   absl::Time now, absl::Duration due_soon);

// The meeting reminder `team`'s cadence calls for at `now` (a meeting starting within `lead`), if
// any (pure).
std::optional<OrgEventToAppend> MeetingReminder(const casework::v1::Team& team, absl::Time now,
                                                absl::Duration lead);

class RecordsReminders {
 public:
  // `organizations` lists the organisations to poll (ids, e.g. "acme").
  RecordsReminders(RecordsClient& records, OrgEventLog& log, ReminderOptions options,
                   std::function<std::vector<std::string>()> organizations);
  ~RecordsReminders();
  void StopTicker();

  // One poll of one organisation (blocking: the ticker's thread, and tests).
  absl::Status PollOrganization(const std::string& organization, absl::Time now);

 private:
  // Names in `notice` the meeting record the team created for that time, if there is one.
  absl::Status LinkMeetingRecord(const std::string& team, casework::v1::MeetingDueNotice& notice);

  RecordsClient& records_;
  OrgEventLog& log_;
  const ReminderOptions options_;
  const std::function<std::vector<std::string>()> organizations_;
  absl::Notification stop_;
  std::thread ticker_;
};

}  // namespace casework::notification

#endif  // SERVICES_NOTIFICATION_RECORDS_REMINDERS_H_
