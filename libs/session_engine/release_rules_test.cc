// Who acts on a session (participants first, before anything is validated) and the release
// ballot: votes, their projection, and the outcome EndSession fixes under the protocol's rule.
#include "gtest/gtest.h"
#include "libs/session_engine/outcome_builder.h"
#include "libs/session_engine/session_engine.h"
#include "libs/session_engine/session_projection.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"

namespace casework::session::testing {
namespace {

v1::SessionCommand VoteCommand(v1::ReleaseChoice choice, const std::string& request_id) {
  v1::SessionCommand command;
  command.mutable_cast_release_vote()->set_choice(choice);
  command.mutable_cast_release_vote()->set_request_id(request_id);
  return command;
}

absl::Status Vote(EngineHarness& h, absl::string_view subject, v1::ReleaseChoice choice) {
  static int counter = 0;
  return h.Do(VoteCommand(choice, "vote-" + std::to_string(++counter)), subject);
}

// An intervision of four, started: f chairs, m1..m3 take part.
void StartedIntervision(EngineHarness& h) {
  ASSERT_OK(h.Create("intervision"));
  ASSERT_OK(h.SetUpLobby("f", "", {"m1", "m2", "m3"}));
  ASSERT_OK(h.Start("f"));
}

TEST(ParticipantsFirst, ANonParticipantIsRefusedBeforeAnythingIsValidated) {
  EngineHarness h;
  StartedIntervision(h);
  v1::SessionCommand invalid;  // no text, no kind, no request id
  invalid.mutable_add_contribution();
  EXPECT_REFUSED(h.Do(invalid, "stranger"), kPermissionDenied, "PARTICIPANT_REQUIRED");
  EXPECT_REFUSED(h.Do(VoteCommand(v1::RELEASE_CHOICE_UNSPECIFIED, ""), "stranger"),
                 kPermissionDenied, "PARTICIPANT_REQUIRED");
  EXPECT_REFUSED(h.Advance("stranger", h.current_phase()), kPermissionDenied,
                 "PARTICIPANT_REQUIRED");
  // The creator organises the lobby without joining until a facilitator exists, then no more.
  EngineHarness lobby;
  ASSERT_OK(lobby.Create("balint-consultation"));
  ASSERT_OK(lobby.Join("f"));
  ASSERT_OK(lobby.Join("o"));
  ASSERT_OK(lobby.AssignRoles("creator", "f", "o"));
  EXPECT_REFUSED(lobby.End("creator", "changed our minds"), kPermissionDenied,
                 "PARTICIPANT_REQUIRED");
}

TEST(ReleaseBallot, EveryParticipantAgreeingReleasesTheRecord) {
  EngineHarness h;
  StartedIntervision(h);
  EXPECT_EQ(h.session().release_ballot().rule(), v1::RECORD_RELEASE_BY_CONSENT);
  for (const char* person : {"f", "m1", "m2", "m3"}) {
    ASSERT_OK(Vote(h, person, v1::RELEASE_CHOICE_AGREE));
  }
  EXPECT_EQ(h.session().release_ballot().votes_cast(), 4);
  ASSERT_OK(h.End("f", "we stop early"));
  EXPECT_EQ(h.log().back().session_ended().release_outcome(), v1::RELEASE_OUTCOME_RELEASED);
  EXPECT_EQ(h.session().release_ballot().outcome(), v1::RELEASE_OUTCOME_RELEASED);
  absl::StatusOr<v1::SessionRecord> record = BuildSessionRecord(h.state());
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->release_rule(), v1::RECORD_RELEASE_BY_CONSENT);
  EXPECT_EQ(record->release_outcome(), v1::RELEASE_OUTCOME_RELEASED);
}

TEST(ReleaseBallot, OneNoOrOneMissingVoteWithholdsIt) {
  EngineHarness no;
  StartedIntervision(no);
  ASSERT_OK(Vote(no, "m1", v1::RELEASE_CHOICE_AGREE));
  ASSERT_OK(Vote(no, "m2", v1::RELEASE_CHOICE_DISAGREE));
  ASSERT_OK(Vote(no, "m3", v1::RELEASE_CHOICE_AGREE));
  ASSERT_OK(Vote(no, "f", v1::RELEASE_CHOICE_AGREE));
  ASSERT_OK(no.End("f", "we stop early"));
  EXPECT_EQ(no.session().release_ballot().outcome(), v1::RELEASE_OUTCOME_WITHHELD);

  EngineHarness silent;
  StartedIntervision(silent);
  for (const char* person : {"f", "m1", "m2"}) {
    ASSERT_OK(Vote(silent, person, v1::RELEASE_CHOICE_AGREE));
  }
  ASSERT_OK(silent.End("f", "we stop early"));
  EXPECT_EQ(silent.session().release_ballot().outcome(), v1::RELEASE_OUTCOME_WITHHELD);

  // A later vote replaces an earlier one; repeating a vote appends nothing.
  EngineHarness changed;
  StartedIntervision(changed);
  ASSERT_OK(Vote(changed, "m1", v1::RELEASE_CHOICE_DISAGREE));
  const size_t events = changed.log().size();
  ASSERT_OK(Vote(changed, "m1", v1::RELEASE_CHOICE_DISAGREE));
  EXPECT_EQ(changed.log().size(), events);
  for (const char* person : {"f", "m1", "m2", "m3"}) {
    ASSERT_OK(Vote(changed, person, v1::RELEASE_CHOICE_AGREE));
  }
  EXPECT_EQ(changed.session().release_ballot().votes_cast(), 4);
  ASSERT_OK(changed.End("f", "we stop early"));
  EXPECT_EQ(changed.session().release_ballot().outcome(), v1::RELEASE_OUTCOME_RELEASED);
}

TEST(ReleaseBallot, VotesAreEachVotersOwn) {
  EngineHarness h;
  StartedIntervision(h);
  ASSERT_OK(Vote(h, "m1", v1::RELEASE_CHOICE_DISAGREE));
  const v1::SessionEvent& cast = h.log().back();
  EXPECT_EQ(ProjectEvent(h.state(), cast, Person("m1")).release_vote_cast().choice(),
            v1::RELEASE_CHOICE_DISAGREE);
  EXPECT_EQ(ProjectEvent(h.state(), cast, Person("m2")).release_vote_cast().choice(),
            v1::RELEASE_CHOICE_UNSPECIFIED);
  EXPECT_TRUE(SeesMoreThanOthers(cast, Person("m1")));
  EXPECT_FALSE(SeesMoreThanOthers(cast, Person("m2")));
  const v1::Session as_m2 = ProjectSession(h.state(), Person("m2"), v1::SESSION_VIEW_BASIC);
  EXPECT_EQ(as_m2.release_ballot().votes_size(), 0);
  EXPECT_EQ(as_m2.release_ballot().votes_cast(), 1);
  const v1::Session as_m1 = ProjectSession(h.state(), Person("m1"), v1::SESSION_VIEW_BASIC);
  ASSERT_EQ(as_m1.release_ballot().votes_size(), 1);
  EXPECT_EQ(as_m1.release_ballot().votes(0).choice(), v1::RELEASE_CHOICE_DISAGREE);
}

TEST(ReleaseBallot, OnlyConsentProtocolsHoldOneAndOnlyBeforeTheEnd) {
  EngineHarness meeting;
  ASSERT_OK(meeting.Create("case-management-meeting"));
  ASSERT_OK(meeting.Join("sup"));
  EXPECT_REFUSED(Vote(meeting, "sup", v1::RELEASE_CHOICE_AGREE), kFailedPrecondition,
                 "RELEASE_NOT_BALLOTED");
  ASSERT_OK(meeting.End("creator", "no quorum"));
  EXPECT_EQ(meeting.session().release_ballot().outcome(), v1::RELEASE_OUTCOME_RELEASED);

  EngineHarness h;
  StartedIntervision(h);
  EXPECT_REFUSED(Vote(h, "m1", v1::RELEASE_CHOICE_UNSPECIFIED), kInvalidArgument, "FIELD_INVALID");
  ASSERT_OK(h.End("f", "we stop early"));
  EXPECT_REFUSED(Vote(h, "m1", v1::RELEASE_CHOICE_AGREE), kFailedPrecondition,
                 "SESSION_STATE_INVALID");
}

}  // namespace
}  // namespace casework::session::testing
