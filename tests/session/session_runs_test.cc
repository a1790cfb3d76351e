// Complete sessions over gRPC against the real records service: a Balint consultation with the
// refusals a facilitator relies on, an intervision with silent writing, a case-management
// meeting with the anonymous case-load review, the record written through the outbox (also after
// the records service was down), rotation checked against that record, and ListSessions.
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "libs/session_engine/time_util.h"
#include "libs/testing/process.h"
#include "tests/kit_test_support.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

using casework::v1::Session;

constexpr absl::Duration kOutboxPatience = absl::Seconds(20);

// Waits (polling the real service, never a fixed sleep) until the session's record is stored.
Session AwaitRecordStored(SessionDriver& session, const std::string& reader) {
  const absl::Time give_up = absl::Now() + kOutboxPatience;
  Session read = session.Get(reader);
  while (read.session_record().empty() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(50));  // polling interval, not synchronisation
    read = session.Get(reader);
  }
  return read;
}

// Balint: fac-1 facilitates, cw-1 brings the case, cw-2, mem-1 and sup-1 are the group.
void RunBalint(SessionDriver& s) {
  ASSERT_GRPC_OK(s.Create(kFacilitator, "balint-consultation"));
  grpc::Status lobby =
      s.Lobby(kFacilitator, kFacilitator, kCaseworker, {kOtherCaseworker, kMember, kSupervisor});
  ASSERT_TRUE(lobby.ok()) << lobby.error_message();
  ASSERT_GRPC_OK(s.Start(kFacilitator));
  ASSERT_GRPC_OK(
      s.Add(kCaseworker, v1::CONTRIBUTION_KIND_CASE_STATEMENT, "A family stopped answering"));
  ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_QUESTION, "How can I rebuild contact?"));
  const std::string question = s.last_contribution();
  ASSERT_GRPC_OK(s.Advance(kFacilitator, "case_description"));
  // Questions: a closed question is flagged, advice dressed as a question is refused.
  ASSERT_GRPC_OK(
      s.Add(kMember, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Is your manager supportive?"));
  Session now = s.Get(kFacilitator);
  ASSERT_GT(now.contributions_size(), 0);
  const v1::Contribution& closed = now.contributions(now.contributions_size() - 1);
  ASSERT_EQ(closed.flags_size(), 1);
  EXPECT_EQ(closed.flags(0), v1::CONTRIBUTION_FLAG_CLOSED_QUESTION);
  grpc::Status advice = s.Add(kOtherCaseworker, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION,
                              "Have you tried a home visit?");
  EXPECT_EQ(advice.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(advice), "ADVICE_AS_QUESTION");
  ASSERT_GRPC_OK(
      s.Add(kOtherCaseworker, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "When did it change?"));
  ASSERT_GRPC_OK(
      s.Add(kCaseworker, v1::CONTRIBUTION_KIND_ANSWER, "After the move", {s.last_contribution()}));
  // A double click on "next" names the phase it leaves: the second one cannot skip a phase.
  ASSERT_GRPC_OK(s.Advance(kFacilitator, "questions"));
  grpc::Status twice = s.Advance(kFacilitator, "questions");
  EXPECT_EQ(twice.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ReasonOf(twice), "PHASE_MISMATCH");
  // Hypotheses: the case owner listens.
  grpc::Status owner = s.Add(kCaseworker, v1::CONTRIBUTION_KIND_COMMENT, "That is not it");
  EXPECT_EQ(owner.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(owner), "ROLE_SILENT_IN_PHASE");
  ASSERT_GRPC_OK(s.Add(kOtherCaseworker, v1::CONTRIBUTION_KIND_HYPOTHESIS, "They feel judged"));
  const std::string first = s.last_contribution();
  ASSERT_GRPC_OK(s.Add(kMember, v1::CONTRIBUTION_KIND_HYPOTHESIS, "Money worries"));
  const std::string second = s.last_contribution();
  ASSERT_GRPC_OK(s.Advance(kFacilitator, "hypotheses"));
  ASSERT_GRPC_OK(s.Respond(kCaseworker, first, v1::HYPOTHESIS_RESPONSE_AGREE));
  ASSERT_GRPC_OK(s.Respond(kCaseworker, second, v1::HYPOTHESIS_RESPONSE_DISAGREE));
  ASSERT_GRPC_OK(s.Advance(kFacilitator, "feedback"));
  ASSERT_GRPC_OK(
      s.Add(kMember, v1::CONTRIBUTION_KIND_IDEA, "A home visit with a colleague", {question}));
  ASSERT_GRPC_OK(s.Add(kSupervisor, v1::CONTRIBUTION_KIND_IDEA, "A letter", {question}));
  ASSERT_GRPC_OK(s.Advance(kFacilitator, "ideas"));
  ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_COMMENT, "The visit is new to me"));
  ASSERT_GRPC_OK(s.End(kFacilitator));
}

TEST(SessionRuns, BalintConsultationEndsWithItsRecord) {
  auto stack = SessionStack::Start();
  ASSERT_NE(stack, nullptr);
  SessionDriver balint(&stack->stub());
  RunBalint(balint);
  if (HasFatalFailure()) return;
  Session ended = AwaitRecordStored(balint, kFacilitator);
  EXPECT_EQ(ended.state(), v1::SESSION_STATE_ENDED);
  ASSERT_FALSE(ended.session_record().empty()) << "the outbox did not deliver the record";

  // The record as the team's supervisor reads it from the records service.
  v1::GetSessionRecordRequest get;
  get.set_name(ended.session_record());
  v1::SessionRecord record;
  grpc::Status read = Call(stack->records().stub(), &v1::RecordsService::Stub::GetSessionRecord,
                           SupervisorToken(kOrg), get, &record);
  ASSERT_TRUE(read.ok()) << read.error_message();
  EXPECT_EQ(record.facilitator(), kFacilitator);
  EXPECT_EQ(record.case_owner(), kCaseworker);

  // The session's own series: what this replica appended and what the rules refused.
  absl::StatusOr<std::string> metrics = HttpGet(stack->replica(0).metrics_port(), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  for (const char* series :
       {"casework_contributions_total{kind=\"hypothesis\",protocol=\"balint-consultation\"} 2",
        "casework_contributions_total{kind=\"idea\",protocol=\"balint-consultation\"} 2",
        "casework_contributions_total{kind=\"advice\",protocol=\"intervision\"} 0",
        "casework_rule_rejections_total{rule=\"ADVICE_AS_QUESTION\"} 1",
        "casework_rule_rejections_total{rule=\"ROLE_SILENT_IN_PHASE\"} 1",
        "casework_sessions_ended_total{protocol=\"balint-consultation\"} 1",
        "casework_phase_duration_seconds_count{phase=\"questions\",protocol=\"balint-"
        "consultation\"} 1",
        "casework_phase_overruns_total{phase=\"ideas\",protocol=\"balint-consultation\"} 0",
        "casework_outbox_backlog ", "casework_sessions_active{protocol=\"intervision\"} 0"}) {
    EXPECT_TRUE(absl::StrContains(*metrics, series)) << "missing: " << series;
  }
}

TEST(SessionRuns, IntervisionWithSilentWritingThenRotation) {
  auto stack = SessionStack::Start();
  ASSERT_NE(stack, nullptr);
  SessionDriver s(&stack->stub());
  ASSERT_GRPC_OK(s.Create(kFacilitator, "intervision"));
  ASSERT_GRPC_OK(s.Lobby(kFacilitator, kFacilitator, "",
                         {kCaseworker, kOtherCaseworker, kMember, kSupervisor}));
  ASSERT_GRPC_OK(s.Start(kFacilitator));
  // Walk the steps, doing what each needs; sealed advice stays with its author until revealed.
  std::string advice;
  for (int guard = 0; guard < 20; ++guard) {
    const std::string step = s.Get(kFacilitator).current_phase().phase_id();
    if (step.empty()) break;
    if (step == "inventory") {
      ASSERT_GRPC_OK(
          s.Add(kCaseworker, v1::CONTRIBUTION_KIND_CASE_STATEMENT, "A dilemma about limits"));
    } else if (step == "choose") {
      ASSERT_GRPC_OK(s.Assign(kFacilitator, "", kCaseworker));
    } else if (step == "state_problem") {
      ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_QUESTION, "How do I say no?"));
    } else if (step == "explore") {
      ASSERT_GRPC_OK(s.GiveTurn(kFacilitator, kMember));
      ASSERT_GRPC_OK(
          s.Add(kMember, v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "What happened first?"));
    } else if (step == "judge_advise") {
      ASSERT_GRPC_OK(s.Add(kMember, v1::CONTRIBUTION_KIND_ADVICE, "Agree a limit in writing"));
      advice = s.last_contribution();
      Session as_other = s.Get(kOtherCaseworker);
      for (const v1::Contribution& c : as_other.contributions()) {
        if (c.name() == advice) {
          EXPECT_TRUE(c.text().empty()) << "sealed advice leaked";
        }
      }
      ASSERT_GRPC_OK(s.GiveTurn(kFacilitator, kMember));
      ASSERT_GRPC_OK(s.Reveal(kFacilitator, {advice}));
      bool visible = false;
      const Session revealed = s.Get(kOtherCaseworker);
      for (const v1::Contribution& c : revealed.contributions()) {
        if (c.name() == advice) visible = c.text() == "Agree a limit in writing";
      }
      EXPECT_TRUE(visible) << "revealed advice not shown";
    } else if (step == "decide") {
      ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_DECISION, "I will agree a limit"));
    } else if (step == "share") {
      ASSERT_GRPC_OK(s.Add(kOtherCaseworker, v1::CONTRIBUTION_KIND_EXPERIENCE, "I had the same"));
    } else if (step == "evaluate") {
      ASSERT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_EVALUATION, "Safe and specific"));
      break;
    }
    grpc::Status advanced = s.Advance(kFacilitator, step, "the group is done");
    if (advanced.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
        ReasonOf(advanced) == "NO_NEXT_PHASE") {
      break;
    }
    ASSERT_TRUE(advanced.ok()) << step << ": " << advanced.error_message();
  }
  ASSERT_GRPC_OK(s.End(kFacilitator));
  ASSERT_FALSE(AwaitRecordStored(s, kFacilitator).session_record().empty());

  // The team's next intervision: facilitator and case owner rotate, checked against the record
  // the outbox stored; an override needs a reason and is kept.
  SessionDriver next(&stack->stub());
  ASSERT_GRPC_OK(next.Create(kOtherCaseworker, "intervision"));
  for (const char* person : {kFacilitator, kOtherCaseworker, kMember, kCaseworker}) {
    ASSERT_GRPC_OK(next.Join(person));
    ASSERT_GRPC_OK(next.Acknowledge(person));
  }
  grpc::Status again = next.Assign(kOtherCaseworker, kFacilitator, "");
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(again), "ROTATION_VIOLATION");
  EXPECT_GRPC_OK(next.Assign(kOtherCaseworker, kFacilitator, "", "the group asked for it"));
  EXPECT_EQ(next.Get(kFacilitator).rotation_overrides_size(), 1);
}

// The release ballot (DOMAIN: nothing leaves an intervision unless everyone agrees): the record of
// an intervision reaches the team's supervisor only when every participant voted AGREE; one
// DISAGREE (or a missing vote) keeps it to the participants. Votes are each voter's own.
TEST(SessionRuns, AnIntervisionRecordReachesTheSupervisorOnlyWhenEveryoneAgreed) {
  auto stack = SessionStack::Start();
  ASSERT_NE(stack, nullptr);
  const std::vector<std::string> group = {kFacilitator, kCaseworker, kOtherCaseworker, kMember};
  // The chair rotates between the two sessions (the protocol's rule).
  auto run = [&](v1::ReleaseChoice member_choice, const std::string& chair) {
    SessionDriver s(&stack->stub());
    std::vector<std::string> others;
    for (const std::string& person : group) {
      if (person != chair) others.push_back(person);
    }
    EXPECT_GRPC_OK(s.Create(chair, "intervision"));
    EXPECT_GRPC_OK(s.Lobby(chair, chair, "", others));
    EXPECT_GRPC_OK(s.Start(chair));
    EXPECT_GRPC_OK(s.Add(kCaseworker, v1::CONTRIBUTION_KIND_CASE_STATEMENT, "A dilemma"));
    for (const std::string& person : group) {
      EXPECT_GRPC_OK(s.Vote(person, person == kMember ? member_choice : v1::RELEASE_CHOICE_AGREE));
    }
    const Session as_caseworker = s.Get(kCaseworker);
    EXPECT_EQ(as_caseworker.release_ballot().rule(), v1::RECORD_RELEASE_BY_CONSENT);
    EXPECT_EQ(as_caseworker.release_ballot().votes_cast(), 4);
    EXPECT_EQ(as_caseworker.release_ballot().votes_size(), 1);  // their own vote only
    for (const v1::SessionEvent& event : s.Events(kCaseworker)) {
      if (event.has_release_vote_cast() && event.release_vote_cast().participant() != kCaseworker) {
        EXPECT_EQ(event.release_vote_cast().choice(), v1::RELEASE_CHOICE_UNSPECIFIED);
      }
    }
    EXPECT_GRPC_OK(s.End(chair, "a short session"));
    return AwaitRecordStored(s, chair);
  };
  v1::GetSessionRecordRequest get;
  v1::SessionRecord record;
  const Session released = run(v1::RELEASE_CHOICE_AGREE, kFacilitator);
  ASSERT_FALSE(released.session_record().empty());
  EXPECT_EQ(released.release_ballot().outcome(), v1::RELEASE_OUTCOME_RELEASED);
  get.set_name(released.session_record());
  ASSERT_GRPC_OK(Call(stack->records().stub(), &v1::RecordsService::Stub::GetSessionRecord,
                      SupervisorToken(kOrg), get, &record));
  EXPECT_EQ(record.release_outcome(), v1::RELEASE_OUTCOME_RELEASED);

  const Session withheld = run(v1::RELEASE_CHOICE_DISAGREE, kOtherCaseworker);
  ASSERT_FALSE(withheld.session_record().empty());
  EXPECT_EQ(withheld.release_ballot().outcome(), v1::RELEASE_OUTCOME_WITHHELD);
  get.set_name(withheld.session_record());
  grpc::Status supervisor =
      Call(stack->records().stub(), &v1::RecordsService::Stub::GetSessionRecord,
           SupervisorToken(kOrg), get, &record);
  EXPECT_EQ(supervisor.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_GRPC_OK(Call(stack->records().stub(), &v1::RecordsService::Stub::GetSessionRecord,
                      MemberToken(kOrg), get, &record));
  EXPECT_EQ(record.release_outcome(), v1::RELEASE_OUTCOME_WITHHELD);

  // A team meeting's record goes to its supervisor by the protocol's rule: there is no ballot.
  SessionDriver meeting(&stack->stub());
  ASSERT_GRPC_OK(meeting.Create(kSupervisor, "case-management-meeting"));
  ASSERT_GRPC_OK(meeting.Join(kSupervisor));
  grpc::Status vote = meeting.Vote(kSupervisor, v1::RELEASE_CHOICE_AGREE);
  EXPECT_EQ(vote.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(vote), "RELEASE_NOT_BALLOTED");
}

TEST(SessionRuns, CaseManagementMeetingAttachesTheAnonymousCaseLoadReview) {
  auto stack = SessionStack::Start();
  ASSERT_NE(stack, nullptr);
  SeedCase(stack->records().stub(), kOrg, "case-a");
  SeedCase(stack->records().stub(), kOrg, "case-b", kOtherCaseworker);
  SessionDriver s(&stack->stub());
  ASSERT_GRPC_OK(s.Create(kSupervisor, "case-management-meeting"));
  ASSERT_GRPC_OK(
      s.Lobby(kSupervisor, kSupervisor, "", {kCaseworker, kOtherCaseworker, kFacilitator}));
  ASSERT_GRPC_OK(s.Start(kSupervisor));
  for (int guard = 0; guard < 10; ++guard) {
    const std::string phase = s.Get(kSupervisor).current_phase().phase_id();
    if (phase == "opening") {
      ASSERT_GRPC_OK(s.Add(kSupervisor, v1::CONTRIBUTION_KIND_NOTE, "Agenda agreed"));
    } else if (phase == "administrative") {
      for (const char* c : {kCaseworker, kOtherCaseworker}) {
        ASSERT_GRPC_OK(s.CheckIn(c, "A family re-engaged", "Paperwork backlog"));
      }
      const Session now = s.Get(kCaseworker);
      ASSERT_TRUE(now.has_case_load_review()) << "no case-load review attached";
      EXPECT_GE(now.case_load_review().open_cases(), 2);
      for (const auto& load : now.case_load_review().caseworker_loads()) {
        EXPECT_TRUE(load.caseworker().empty()) << "the review in a session must be anonymous";
      }
    } else if (phase == "closing") {
      ASSERT_GRPC_OK(s.Add(kSupervisor, v1::CONTRIBUTION_KIND_SUMMARY, "Good meeting"));
      ASSERT_GRPC_OK(s.ActionItem(kSupervisor, "Share the training dates", kSupervisor,
                                  v1::ACTION_ITEM_OWNER_ROLE_SUPERVISOR));
      ASSERT_GRPC_OK(s.ActionItem(kSupervisor, "Update the plan", kCaseworker,
                                  v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER));
      break;
    }
    grpc::Status advanced = s.Advance(kSupervisor, phase, "time is up");
    ASSERT_TRUE(advanced.ok()) << phase << ": " << advanced.error_message();
  }
  ASSERT_GRPC_OK(s.End(kSupervisor));
  const Session ended = AwaitRecordStored(s, kSupervisor);
  ASSERT_FALSE(ended.session_record().empty());
  v1::GetSessionRecordRequest get;
  get.set_name(ended.session_record());
  v1::SessionRecord record;
  ASSERT_GRPC_OK(Call(stack->records().stub(), &v1::RecordsService::Stub::GetSessionRecord,
                      SupervisorToken(kOrg), get, &record));
  EXPECT_EQ(record.action_items_size(), 2);
}

TEST(SessionRuns, RecordsDownDuringEndTheOutboxDeliversLater) {
  auto stack = SessionStack::Start();
  ASSERT_NE(stack, nullptr);
  SessionDriver s(&stack->stub());
  RunBalint(s);  // ends the session
  if (HasFatalFailure()) return;
  // Stop the records service as soon as the session ended; the outbox may or may not have
  // delivered already, so start a second session whose end certainly finds records down.
  stack->StopRecords();
  SessionDriver second(&stack->stub());
  ASSERT_GRPC_OK(second.Create(kCaseworker, "balint-consultation"));
  ASSERT_GRPC_OK(second.Lobby(kCaseworker, kCaseworker, kOtherCaseworker,
                              {kMember, kSupervisor, kFacilitator}));
  // Records is down: a command needing records facts fails UNAVAILABLE, nothing half-applied.
  ASSERT_GRPC_OK(second.Start(kCaseworker));
  ASSERT_GRPC_OK(second.End(kCaseworker, "the case owner was called away"));
  EXPECT_TRUE(second.Get(kCaseworker).session_record().empty());
  ASSERT_TRUE(stack->StartRecords());
  EXPECT_FALSE(AwaitRecordStored(second, kCaseworker).session_record().empty());
  EXPECT_FALSE(AwaitRecordStored(s, kFacilitator).session_record().empty());
}

TEST(SessionRuns, RecordsDownAssignRolesIsUnavailableAndChangesNothing) {
  auto stack = SessionStack::Start();
  ASSERT_NE(stack, nullptr);
  SessionDriver s(&stack->stub());
  ASSERT_GRPC_OK(s.Create(kFacilitator, "intervision"));
  for (const char* person : {kFacilitator, kCaseworker, kMember, kOtherCaseworker}) {
    ASSERT_GRPC_OK(s.Join(person));
    ASSERT_GRPC_OK(s.Acknowledge(person));
  }
  const int64_t before = s.Get(kFacilitator).version();
  stack->StopRecords();
  grpc::Status assigned = s.Assign(kFacilitator, kFacilitator, "");
  EXPECT_EQ(assigned.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ReasonOf(assigned), "DEPENDENCY_UNAVAILABLE");
  EXPECT_EQ(s.Get(kFacilitator).version(), before);
  ASSERT_TRUE(stack->StartRecords());
  // The client retries, as a frontend would, until the records service answers again.
  v1::AssignRolesRequest assign;
  assign.set_name(s.name());
  assign.set_request_id("assign-once");
  assign.set_facilitator(kFacilitator);
  v1::SessionCommandResponse first;
  grpc::Status retried;
  for (int i = 0; i < 20; ++i) {
    auto context = ContextWithToken(PersonToken(kFacilitator));
    retried = stack->stub().AssignRoles(context.get(), assign, &first);
    if (retried.error_code() != grpc::StatusCode::UNAVAILABLE) break;
  }
  ASSERT_GRPC_OK(retried);
  ASSERT_GT(first.last_sequence(), before);
  // A retry of the applied request answers as the first time did, even with records down again.
  stack->StopRecords();
  v1::SessionCommandResponse again;
  auto context = ContextWithToken(PersonToken(kFacilitator));
  ASSERT_GRPC_OK(stack->stub().AssignRoles(context.get(), assign, &again));
  EXPECT_EQ(again.first_sequence(), first.first_sequence());
  EXPECT_EQ(again.last_sequence(), first.last_sequence());
}

TEST(SessionRuns, ListSessionsShowsTheTeamsSessionsNewestFirstAndPages) {
  auto stack = SessionStack::Start();
  ASSERT_NE(stack, nullptr);
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    SessionDriver s(&stack->stub());
    v1::Session requested;
    *requested.mutable_scheduled_start_time() = session::ToTimestamp(absl::Now() + absl::Hours(i));
    ASSERT_GRPC_OK(
        s.Create(kFacilitator, i % 2 == 0 ? "balint-consultation" : "intervision", requested));
    names.push_back(s.name());
  }
  v1::ListSessionsRequest list;
  list.set_parent(kTeamName);
  list.set_page_size(3);
  v1::ListSessionsResponse page;
  auto context = ContextWithToken(PersonToken(kMember));
  ASSERT_GRPC_OK(stack->stub().ListSessions(context.get(), list, &page));
  ASSERT_EQ(page.sessions_size(), 3);
  EXPECT_EQ(page.sessions(0).name(), names[4]);
  EXPECT_TRUE(page.sessions(0).participants().empty()) << "a non-participant sees only a listing";
  ASSERT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  v1::ListSessionsResponse rest;
  context = ContextWithToken(PersonToken(kMember));
  ASSERT_GRPC_OK(stack->stub().ListSessions(context.get(), list, &rest));
  ASSERT_EQ(rest.sessions_size(), 2);
  EXPECT_EQ(rest.sessions(1).name(), names[0]);

  v1::ListSessionsRequest filtered;
  filtered.set_parent(kTeamName);
  filtered.set_filter("protocol_id = \"intervision\"");
  v1::ListSessionsResponse intervisions;
  context = ContextWithToken(PersonToken(kFacilitator));
  ASSERT_GRPC_OK(stack->stub().ListSessions(context.get(), filtered, &intervisions));
  EXPECT_EQ(intervisions.sessions_size(), 2);

  // Another organisation, or a team the caller is not in: the same answer as a missing team.
  v1::ListSessionsResponse none;
  context = ContextWithToken(PersonToken(kMember, "o2"));
  EXPECT_EQ(stack->stub().ListSessions(context.get(), list, &none).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListSessionsRequest bad;
  bad.set_parent(kTeamName);
  bad.set_filter("colour = red");
  context = ContextWithToken(PersonToken(kMember));
  EXPECT_EQ(stack->stub().ListSessions(context.get(), bad, &none).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace casework::testing
