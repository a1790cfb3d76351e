// Bounded sessions over real gRPC, Redis and the records service: a session filled to its limits
// with the largest notes refuses the next one with FAILED_PRECONDITION SESSION_LIMIT_REACHED
// naming the limit, appends nothing, stays readable in its FULL view by a client with gRPC's
// default 4 MiB receive limit, can still be advanced and ended, and its record is stored by the
// outbox. ListContributions pages through a session exactly as GetSession shows it. The limits
// are a test template's (protocols may lower the defaults); the defaults themselves are measured
// by the engine's session_limits_fill_test.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/status/errors.h"
#include "tests/kit_test_support.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

namespace v1 = ::casework::v1;

constexpr int kMaxContributions = 20;
constexpr int64_t kMaxContentBytes = 65'536;
constexpr absl::Duration kOutboxPatience = absl::Seconds(20);

// The shipped templates plus "bounded-meeting": the team meeting with small limits.
void WriteProtocols(const std::filesystem::path& dir) {
  const std::filesystem::path shipped = std::filesystem::path(CASEWORK_SOURCE_DIR) / "protocols";
  for (const auto& entry : std::filesystem::directory_iterator(shipped)) {
    std::filesystem::copy_file(entry.path(), dir / entry.path().filename());
  }
  std::ifstream in(shipped / "case-management-meeting.textproto");
  std::stringstream meeting;
  meeting << in.rdbuf();
  std::ofstream(dir / "bounded-meeting.textproto")
      << absl::StrReplaceAll(meeting.str(),
                             {{"id: \"case-management-meeting\"", "id: \"bounded-meeting\""}})
      << "session_limits { max_contributions: " << kMaxContributions
      << " max_content_bytes: " << kMaxContentBytes << " }\n";
}

std::string Prose(size_t length) {
  std::string text;
  while (text.size() < length) text += "The team talked about the next steps together. ";
  text.resize(length);
  text.back() = '.';
  return text;
}

void ExpectLimitReached(const grpc::Status& status, const std::string& limit, int64_t value) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  const absl::Status refused = FromGrpcStatus(status);
  EXPECT_EQ(ErrorReason(refused), "SESSION_LIMIT_REACHED");
  const auto info = GetErrorInfo(refused);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->metadata().at("limit"), limit);
  EXPECT_EQ(info->metadata().at("value"), absl::StrCat(value));
}

grpc::Status ListPage(SessionStack& stack, const std::string& subject,
                      const v1::ListContributionsRequest& request,
                      v1::ListContributionsResponse* page) {
  return stack.stub().ListContributions(ContextWithToken(PersonToken(subject)).get(), request,
                                        page);
}

// Every page of the session's contributions as `subject` reads them, `page_size` at a time.
std::vector<v1::Contribution> ListAll(SessionStack& stack, const std::string& subject,
                                      const std::string& session, int page_size) {
  std::vector<v1::Contribution> all;
  v1::ListContributionsRequest request;
  request.set_parent(session);
  request.set_page_size(page_size);
  for (int pages = 0; pages < 100; ++pages) {
    v1::ListContributionsResponse page;
    const grpc::Status status = ListPage(stack, subject, request, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    all.insert(all.end(), page.contributions().begin(), page.contributions().end());
    if (!status.ok() || page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  return all;
}

std::unique_ptr<SessionStack> StackWithBoundedMeeting(const TempDir& dir) {
  WriteProtocols(dir.path());
  SessionStack::Options options;
  options.protocols_dir = dir.path().string();
  return SessionStack::Start(options);
}

TEST(SessionBounds, AFullSessionRefusesMoreStaysReadableAndItsRecordIsStored) {
  TempDir dir;
  auto stack = StackWithBoundedMeeting(dir);
  ASSERT_NE(stack, nullptr);
  SessionDriver s(&stack->stub());
  ASSERT_GRPC_OK(s.Create(kSupervisor, "bounded-meeting"));
  ASSERT_GRPC_OK(s.Lobby(kSupervisor, kSupervisor, "", {kCaseworker, kOtherCaseworker}));
  ASSERT_GRPC_OK(s.Start(kSupervisor));
  int notes = 0;
  grpc::Status added;
  while ((added = s.Add(kSupervisor, v1::CONTRIBUTION_KIND_NOTE, Prose(4000))).ok()) ++notes;
  ExpectLimitReached(added, "max_content_bytes", kMaxContentBytes);
  EXPECT_GE(notes, 10);
  const int64_t version = s.last_sequence();
  ExpectLimitReached(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_NOTE, Prose(4000)),
                     "max_content_bytes", kMaxContentBytes);

  // The FULL view, read by a client with the default receive limit, holds all of it.
  const v1::Session full = s.Get(kCaseworker);
  EXPECT_EQ(full.version(), version) << "a refused command appended";
  EXPECT_EQ(full.contributions_size(), notes);
  EXPECT_EQ(full.usage().contributions(), notes);
  EXPECT_LE(full.usage().content_bytes(), kMaxContentBytes);
  EXPECT_EQ(full.limits().max_contributions(), kMaxContributions);
  EXPECT_EQ(full.limits().max_content_bytes(), kMaxContentBytes);
  const std::vector<v1::Contribution> listed = ListAll(*stack, kCaseworker, s.name(), 4);
  ASSERT_EQ(static_cast<int>(listed.size()), notes);
  for (int i = 0; i < notes; ++i) {
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(listed[i], full.contributions(i)));
  }

  // A full session still moves on and ends; the outbox delivers its record.
  for (const char* phase : {"opening", "administrative", "development", "supportive"}) {
    ASSERT_GRPC_OK(s.Advance(kSupervisor, phase, "the session is full"));
  }
  ASSERT_GRPC_OK(s.End(kSupervisor, "the session is full"));
  const absl::Time give_up = absl::Now() + kOutboxPatience;
  v1::Session ended = s.Get(kSupervisor);
  while (ended.session_record().empty() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(50));  // polling interval, not synchronisation
    ended = s.Get(kSupervisor);
  }
  ASSERT_FALSE(ended.session_record().empty()) << "the outbox did not deliver the record";
  v1::GetSessionRecordRequest get;
  get.set_name(ended.session_record());
  v1::SessionRecord record;
  ASSERT_GRPC_OK(Call(stack->records().stub(), &v1::RecordsService::Stub::GetSessionRecord,
                      SupervisorToken(kOrg), get, &record));
  ASSERT_EQ(record.section_notes_size(), 1);
  EXPECT_EQ(record.section_notes(0).notes().size(), static_cast<size_t>(notes * 4001 - 1));
}

TEST(SessionBounds, TheContributionAfterTheLastAllowedIsRefused) {
  TempDir dir;
  auto stack = StackWithBoundedMeeting(dir);
  ASSERT_NE(stack, nullptr);
  SessionDriver s(&stack->stub());
  ASSERT_GRPC_OK(s.Create(kSupervisor, "bounded-meeting"));
  ASSERT_GRPC_OK(s.Lobby(kSupervisor, kSupervisor, "", {kCaseworker}));
  ASSERT_GRPC_OK(s.Start(kSupervisor));
  for (int i = 0; i < kMaxContributions; ++i) {
    ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_NOTE, "Noted"));
  }
  ExpectLimitReached(s.Add(kSupervisor, v1::CONTRIBUTION_KIND_NOTE, "Noted"), "max_contributions",
                     kMaxContributions);
  EXPECT_EQ(s.Get(kSupervisor).contributions_size(), kMaxContributions);
}

TEST(SessionBounds, ListContributionsWithholdsSealedEntriesAndRefusesForeignTokens) {
  auto stack = SessionStack::Start();
  ASSERT_NE(stack, nullptr);
  SessionDriver s(&stack->stub());
  ASSERT_GRPC_OK(s.Create(kFacilitator, "intervision"));
  ASSERT_GRPC_OK(s.Lobby(kFacilitator, kFacilitator, "",
                         {kCaseworker, kOtherCaseworker, kMember, kSupervisor}));
  ASSERT_GRPC_OK(s.Start(kFacilitator));
  ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_CASE_STATEMENT, "A dilemma"));
  ASSERT_GRPC_OK(s.Advance(kFacilitator, "inventory", "one case is enough"));
  ASSERT_GRPC_OK(s.Assign(kFacilitator, "", kCaseworker));
  ASSERT_GRPC_OK(s.Advance(kFacilitator, "choose", "chosen"));
  for (int round = 0; round < 3; ++round) {
    for (const char* member : {kOtherCaseworker, kMember, kSupervisor}) {
      ASSERT_GRPC_OK(s.Add(member, v1::CONTRIBUTION_KIND_ASSOCIATION, "A feeling of being stuck"));
    }
  }
  for (const char* viewer : {kMember, kCaseworker}) {
    SCOPED_TRACE(viewer);
    const v1::Session full = s.Get(viewer);
    const std::vector<v1::Contribution> listed = ListAll(*stack, viewer, s.name(), 2);
    ASSERT_EQ(static_cast<int>(listed.size()), full.contributions_size());
    int withheld = 0;
    for (int i = 0; i < full.contributions_size(); ++i) {
      EXPECT_TRUE(
          google::protobuf::util::MessageDifferencer::Equals(listed[i], full.contributions(i)));
      if (listed[i].content_withheld()) {
        ++withheld;
        EXPECT_TRUE(listed[i].text().empty()) << "sealed text leaked";
      }
    }
    EXPECT_EQ(withheld, std::string(viewer) == kMember ? 6 : 9);
  }
  // A token from another session, or none this API issued, is refused by field.
  SessionDriver other(&stack->stub());
  ASSERT_GRPC_OK(other.Create(kFacilitator, "intervision"));
  ASSERT_GRPC_OK(other.Join(kMember));
  v1::ListContributionsRequest request;
  request.set_parent(s.name());
  request.set_page_size(2);
  v1::ListContributionsResponse first;
  ASSERT_GRPC_OK(ListPage(*stack, kMember, request, &first));
  for (const std::string& bad : {std::string("not-a-token"), first.next_page_token()}) {
    v1::ListContributionsRequest foreign;
    foreign.set_parent(bad == "not-a-token" ? s.name() : other.name());
    foreign.set_page_token(bad);
    v1::ListContributionsResponse page;
    const grpc::Status refused = ListPage(*stack, kMember, foreign, &page);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    const auto bad_request = GetBadRequest(FromGrpcStatus(refused));
    ASSERT_TRUE(bad_request.has_value());
    EXPECT_EQ(bad_request->field_violations(0).field(), "page_token");
  }
}

}  // namespace
}  // namespace casework::testing
