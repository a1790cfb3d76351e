// Reminders from the records service (a fake RecordsService on a real gRPC port, asked through the
// real records client with the notification service's minted identity): due-soon and overdue
// action items reach the owner and the team's supervisor only, a meeting due by the team's cadence
// (the month's first one extended) reaches the team's members only — each once, however often and
// by however many replicas the records are polled; a later poll turns a due-soon item overdue.
#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "casework/v1/records_service.grpc.pb.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "libs/testing/test_tokens.h"
#include "services/notification/org_feed.h"
#include "services/notification/records_reminders.h"
#include "tests/notification/notification_test_support.h"

namespace casework::notification::testing {
namespace {

using google::protobuf::util::TimeUtil;

// Serves ListTeams, ListActionItems (two items per page) and ListMeetings (the meetings whose
// time the filter names) from fixed lists.
class FakeRecords final : public v1::RecordsService::CallbackService {
 public:
  FakeRecords(std::vector<v1::Team> teams, std::vector<v1::ActionItem> items,
              std::vector<v1::Meeting> meetings = {})
      : teams_(std::move(teams)), items_(std::move(items)), meetings_(std::move(meetings)) {}

  grpc::ServerUnaryReactor* ListMeetings(grpc::CallbackServerContext* context,
                                         const v1::ListMeetingsRequest* request,
                                         v1::ListMeetingsResponse* response) override {
    for (const v1::Meeting& meeting : meetings_) {
      const std::string wanted =
          absl::StrCat("scheduled_time = \"", TimeUtil::ToString(meeting.scheduled_time()), "\"");
      if (absl::StartsWith(meeting.name(), request->parent() + "/") &&
          request->filter() == wanted) {
        *response->add_meetings() = meeting;
      }
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* ListTeams(grpc::CallbackServerContext* context,
                                      const v1::ListTeamsRequest* request,
                                      v1::ListTeamsResponse* response) override {
    {
      absl::MutexLock lock(&mu_);
      team_parents_.push_back(request->parent());
    }
    for (const v1::Team& team : teams_) *response->add_teams() = team;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* ListActionItems(grpc::CallbackServerContext* context,
                                            const v1::ListActionItemsRequest* request,
                                            v1::ListActionItemsResponse* response) override {
    {
      absl::MutexLock lock(&mu_);
      parents_.push_back(request->parent());
      auto auth = context->client_metadata().find("authorization");
      authorized_ = authorized_ && auth != context->client_metadata().end();
    }
    size_t start = 0;
    if (!request->page_token().empty()) (void)absl::SimpleAtoi(request->page_token(), &start);
    for (size_t i = start; i < items_.size() && i < start + 2; ++i) {
      *response->add_action_items() = items_[i];
    }
    if (start + 2 < items_.size()) response->set_next_page_token(absl::StrCat(start + 2));
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  std::vector<std::string> parents() {
    absl::MutexLock lock(&mu_);
    return parents_;
  }
  bool authorized() {
    absl::MutexLock lock(&mu_);
    return authorized_;
  }
  std::vector<std::string> team_parents() {
    absl::MutexLock lock(&mu_);
    return team_parents_;
  }

 private:
  const std::vector<v1::Team> teams_;
  const std::vector<v1::ActionItem> items_;
  const std::vector<v1::Meeting> meetings_;
  absl::Mutex mu_;
  std::vector<std::string> team_parents_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> parents_ ABSL_GUARDED_BY(mu_);
  bool authorized_ ABSL_GUARDED_BY(mu_) = true;
};

v1::ActionItem Item(const std::string& team, const std::string& id, const std::string& owner,
                    absl::Time due, v1::ActionItemState state = v1::ACTION_ITEM_STATE_OPEN) {
  v1::ActionItem item;
  item.set_name(absl::StrCat("organizations/acme/teams/", team, "/actionItems/", id));
  item.set_owner(owner);
  item.set_owner_role(v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER);
  item.set_text("never sent");
  *item.mutable_due_time() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(due));
  item.set_state(state);
  return item;
}

v1::Meeting MeetingAt(const std::string& team, const std::string& id, const std::string& time) {
  v1::Meeting meeting;
  meeting.set_name(absl::StrCat("organizations/acme/teams/", team, "/meetings/", id));
  (void)TimeUtil::FromString(time, meeting.mutable_scheduled_time());
  return meeting;
}

// A weekly Monday 09:00 Amsterdam meeting whose first meeting of a month is extended; `weekday`
// moves it.
v1::Team TeamWithCadence(const std::string& id, v1::Weekday weekday, int anchor_day) {
  v1::Team team;
  team.set_name(absl::StrCat("organizations/acme/teams/", id));
  v1::MeetingCadence* cadence = team.mutable_meeting_cadence();
  cadence->set_interval_weeks(1);
  cadence->set_weekday(weekday);
  cadence->mutable_start_time()->set_hours(9);
  cadence->set_time_zone("Europe/Amsterdam");
  // 09:00 CET on `anchor_day` January 2030.
  *cadence->mutable_anchor_time() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(
      absl::FromCivil(absl::CivilSecond(2030, 1, anchor_day, 8, 0, 0), absl::UTCTimeZone())));
  cadence->mutable_extended_meeting()->set_occurrence(v1::MONTHLY_OCCURRENCE_FIRST);
  return team;
}

int64_t Marker(redis::RedisClient& client, const std::string& key, const std::string& to) {
  OrgEventLog log(client);
  OrgEventToAppend marker;
  marker.dedup_key = key;
  marker.recipients = to;
  marker.event.mutable_meeting_due();
  std::promise<absl::StatusOr<int64_t>> done;
  log.Append("acme", "", 0, 0, {marker}, absl::Now(),
             [&done](absl::StatusOr<int64_t> last) { done.set_value(std::move(last)); });
  auto last = done.get_future().get();
  return last.ok() ? *last : -1;
}

// "due-soon a1", "overdue a2", ... for the reminders a watcher received (markers left out).
std::string LastPart(const std::string& name) { return name.substr(name.rfind('/') + 1); }

std::vector<std::string> Received(const OrgWatchClient& client) {
  std::vector<std::string> out;
  for (const auto& received : client.frames()) {
    const v1::OrganizationEvent& event = received.frame.event();
    if (event.has_meeting_due() && event.meeting_due().has_scheduled_time()) {
      out.push_back(absl::StrCat("meeting ", v1::MeetingKind_Name(event.meeting_due().kind()), " ",
                                 TimeUtil::ToString(event.meeting_due().scheduled_time()), " ",
                                 LastPart(event.meeting_due().meeting())));
    } else if (event.has_action_item_due_soon()) {
      out.push_back("due-soon " + LastPart(event.action_item_due_soon().action_item()));
    } else if (event.has_action_item_overdue()) {
      out.push_back("overdue " + LastPart(event.action_item_overdue().action_item()));
    }
  }
  return out;
}

TEST(RecordsRemindersTest, OwnerAndSupervisorGetEachReminderOnceAcrossPollsAndReplicas) {
  auto env = NotificationTestEnv::Start();
  ASSERT_NE(env, nullptr);
  // Sunday 31 March 2030, 10:00 UTC: the next Monday meeting (09:00 CEST) is 21 hours away and
  // the first of April, so extended.
  const absl::Time now =
      absl::FromCivil(absl::CivilSecond(2030, 3, 31, 10, 0, 0), absl::UTCTimeZone());
  FakeRecords records(
      {TeamWithCadence("t1", v1::WEEKDAY_MONDAY, 7),
       TeamWithCadence("t2", v1::WEEKDAY_WEDNESDAY, 9)},
      {Item("t1", "a1", "c1", now + absl::Hours(2)), Item("t1", "a2", "c2", now - absl::Hours(1)),
       Item("t1", "a3", "c1", now + absl::Hours(72)),
       Item("t1", "a4", "c1", now - absl::Hours(5), v1::ACTION_ITEM_STATE_DONE),
       Item("t2", "a5", "c3", now - absl::Hours(1))},
      {MeetingAt("t1", "m1", "2030-04-01T07:00:00Z"), MeetingAt("t1", "m0", "2030-03-25T08:00:00Z"),
       MeetingAt("t2", "m2", "2030-04-01T07:00:00Z")});
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&records);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  const std::filesystem::path key = std::filesystem::temp_directory_path() /
                                    absl::StrCat("notification-reminders-key-", getpid());
  std::ofstream(key) << casework::testing::GetTestKeys().hs256.material;
  RecordsClientOptions options;
  options.address = absl::StrCat("127.0.0.1:", port);
  options.hs256_key_file = key.string();
  options.role = "notification-service";
  auto client = RecordsClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  OrgEventLog log(env->redis_client());
  ReminderOptions reminder_options;
  reminder_options.interval = absl::Hours(1);  // polled by hand below
  auto organizations = [] { return std::vector<std::string>{"acme"}; };
  RecordsReminders replica_a(**client, log, reminder_options, organizations);
  RecordsReminders replica_b(**client, log, reminder_options, organizations);

  const int64_t start = Marker(env->redis_client(), "start", "user:nobody");
  OrgWatchClient owner(env->stub(), TokenFor("c1"), "organizations/acme", start);
  OrgWatchClient supervisor(env->stub(), TokenFor("s", "acme", {"supervisor"}),
                            "organizations/acme", start);
  OrgWatchClient colleague(env->stub(), TokenFor("c9", "acme", {"caseworker"}, {"t2"}),
                           "organizations/acme", start);

  ASSERT_TRUE(replica_a.PollOrganization("acme", now).ok());
  ASSERT_TRUE(replica_b.PollOrganization("acme", now).ok());
  ASSERT_TRUE(replica_a.PollOrganization("acme", now + absl::Minutes(1)).ok());
  // Three hours on, a1 is overdue: a new reminder.
  ASSERT_TRUE(replica_b.PollOrganization("acme", now + absl::Hours(3)).ok());
  Marker(env->redis_client(), "end", "user:c1,user:s,user:c9");

  owner.WaitForFrames(4);
  supervisor.WaitForFrames(5);
  colleague.WaitForFrames(1);
  // The notice names the meeting record the team created for that time.
  const std::string meeting = "meeting MEETING_KIND_EXTENDED 2030-04-01T07:00:00Z m1";
  EXPECT_EQ(Received(owner), (std::vector<std::string>{meeting, "due-soon a1", "overdue a1"}));
  EXPECT_EQ(Received(supervisor),
            (std::vector<std::string>{meeting, "due-soon a1", "overdue a2", "overdue a1"}));
  EXPECT_TRUE(Received(colleague).empty());
  EXPECT_EQ(colleague.frame_count(), 1u);  // only the end marker
  // The item's text is never part of a notice.
  for (const auto& received : supervisor.frames()) {
    EXPECT_EQ(received.frame.SerializeAsString().find("never sent"), std::string::npos);
  }
  EXPECT_TRUE(records.authorized());
  for (const std::string& parent : records.parents()) {
    EXPECT_EQ(parent, "organizations/acme/teams/-");
  }
  EXPECT_EQ(records.parents().size(), 4u * 3u);  // five items, two per page, four polls
  for (const std::string& parent : records.team_parents()) EXPECT_EQ(parent, "organizations/acme");
  EXPECT_EQ(records.team_parents().size(), 4u);
  std::filesystem::remove(key);
  server->Shutdown();
}

}  // namespace
}  // namespace casework::notification::testing
