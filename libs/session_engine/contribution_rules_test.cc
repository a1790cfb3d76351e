// Rules of contributions: agreements first, who may say what in which phase (a table per
// protocol phase), recording on behalf, references, limits, the case owner's order in the
// comments phase, question checks, the identifying-information guard, turn-taking and sealed
// writing.
#include "gtest/gtest.h"
#include "libs/session_engine/content_checks.h"
#include "libs/session_engine/session_projection.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/session_engine/testing/refusal.h"
#include "libs/session_engine/testing/scenarios.h"
#include "libs/text_guard/text_normalizer.h"

namespace casework::session::testing {
namespace {

using K = v1::ContributionKind;

TEST(Agreements, AcknowledgedBeforeTheFirstContribution) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  ASSERT_OK(h.Join("late"));
  EXPECT_REFUSED(h.Add("late", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Why now?"),
                 kFailedPrecondition, "AGREEMENTS_NOT_ACKNOWLEDGED");
  ASSERT_OK(h.Acknowledge("late"));
  ASSERT_OK(h.Add("late", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Why now?"));
}

TEST(Contributions, OnlyParticipantsAndOnlyWhileInProgress) {
  EngineHarness h;
  ASSERT_OK(BalintLobby(h));
  EXPECT_REFUSED(h.Add("o", v1::CONTRIBUTION_KIND_CASE_STATEMENT, "Facts"), kFailedPrecondition,
                 "SESSION_STATE_INVALID");
  ASSERT_OK(h.Start("f"));
  EXPECT_REFUSED(h.Add("stranger", v1::CONTRIBUTION_KIND_NOTE, "hello"), kPermissionDenied,
                 "PARTICIPANT_REQUIRED");
  ASSERT_OK(h.Pause("f"));
  EXPECT_REFUSED(h.Add("o", v1::CONTRIBUTION_KIND_CASE_STATEMENT, "Facts"), kFailedPrecondition,
                 "SESSION_STATE_INVALID");
}

struct PermissionCase {
  const char* phase;
  const char* subject;
  K kind;
  const char* reason;  // "" when accepted
};

// Each row would be accepted (or refused differently) without the phase's permission rule.
const PermissionCase kBalintPermissions[] = {
    {"case_description", "o", v1::CONTRIBUTION_KIND_CASE_STATEMENT, ""},
    {"case_description", "m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "ROLE_SILENT_IN_PHASE"},
    {"case_description", "o", v1::CONTRIBUTION_KIND_IDEA, "KIND_NOT_ALLOWED_IN_PHASE"},
    {"questions", "m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, ""},
    {"questions", "m1", v1::CONTRIBUTION_KIND_IDEA, "KIND_NOT_ALLOWED_IN_PHASE"},
    {"questions", "m1", v1::CONTRIBUTION_KIND_ADVICE, "KIND_NOT_ALLOWED_IN_PHASE"},
    {"questions", "m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, "KIND_NOT_ALLOWED_IN_PHASE"},
    {"questions", "f", v1::CONTRIBUTION_KIND_NOTE, ""},
    {"hypotheses", "m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, ""},
    {"hypotheses", "o", v1::CONTRIBUTION_KIND_COMMENT, "ROLE_SILENT_IN_PHASE"},
    {"hypotheses", "o", v1::CONTRIBUTION_KIND_HYPOTHESIS, "ROLE_SILENT_IN_PHASE"},
    {"feedback", "m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, "ROLE_SILENT_IN_PHASE"},
    {"feedback", "f", v1::CONTRIBUTION_KIND_NOTE, "ROLE_SILENT_IN_PHASE"},
    {"ideas", "o", v1::CONTRIBUTION_KIND_NOTE, "ROLE_SILENT_IN_PHASE"},
    {"ideas", "m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, "KIND_NOT_ALLOWED_IN_PHASE"},
    {"comments", "o", v1::CONTRIBUTION_KIND_COMMENT, ""},
    {"comments", "m1", v1::CONTRIBUTION_KIND_IDEA, "KIND_NOT_ALLOWED_IN_PHASE"},
};

TEST(Permissions, BalintPhaseByPhase) {
  for (const PermissionCase& row : kBalintPermissions) {
    SCOPED_TRACE(std::string(row.phase) + " " + row.subject + " " + KindName(row.kind));
    EngineHarness h;
    ASSERT_OK(BalintAt(h, row.phase));
    const absl::Status status = h.Add(row.subject, row.kind, "Some words");
    if (std::string(row.reason).empty()) {
      EXPECT_OK(status);
    } else if (std::string(row.reason) == "ROLE_SILENT_IN_PHASE") {
      EXPECT_REFUSED(status, kPermissionDenied, row.reason);
    } else {
      EXPECT_REFUSED(status, kFailedPrecondition, row.reason);
    }
  }
}

const PermissionCase kIntervisionPermissions[] = {
    {"inventory", "m1", v1::CONTRIBUTION_KIND_CASE_STATEMENT, ""},
    {"inventory", "m1", v1::CONTRIBUTION_KIND_ADVICE, "KIND_NOT_ALLOWED_IN_PHASE"},
    {"choose", "m1", v1::CONTRIBUTION_KIND_DECISION, "ROLE_SILENT_IN_PHASE"},
    {"choose", "f", v1::CONTRIBUTION_KIND_DECISION, ""},
    {"state_problem", "m1", v1::CONTRIBUTION_KIND_ASSOCIATION, ""},
    {"state_problem", "m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "KIND_NOT_ALLOWED_IN_PHASE"},
    {"state_problem", "g", v1::CONTRIBUTION_KIND_CASE_STATEMENT, ""},
    {"judge_advise", "m1", v1::CONTRIBUTION_KIND_ADVICE, ""},
    {"judge_advise", "g", v1::CONTRIBUTION_KIND_REACTION, "ROLE_SILENT_IN_PHASE"},
    {"decide", "g", v1::CONTRIBUTION_KIND_REACTION, ""},
    {"decide", "m1", v1::CONTRIBUTION_KIND_ADVICE, "ROLE_SILENT_IN_PHASE"},
    {"share", "m1", v1::CONTRIBUTION_KIND_EXPERIENCE, ""},
    {"share", "g", v1::CONTRIBUTION_KIND_EXPERIENCE, "ROLE_SILENT_IN_PHASE"},
    {"evaluate", "g", v1::CONTRIBUTION_KIND_EVALUATION, ""},
    {"evaluate", "m1", v1::CONTRIBUTION_KIND_ADVICE, "KIND_NOT_ALLOWED_IN_PHASE"},
};

TEST(Permissions, IntervisionStepByStep) {
  for (const PermissionCase& row : kIntervisionPermissions) {
    SCOPED_TRACE(std::string(row.phase) + " " + row.subject + " " + KindName(row.kind));
    EngineHarness h;
    ASSERT_OK(IntervisionAt(h, row.phase));
    const absl::Status status = h.Add(row.subject, row.kind, "Some words");
    if (std::string(row.reason).empty()) {
      EXPECT_OK(status);
    } else if (std::string(row.reason) == "ROLE_SILENT_IN_PHASE") {
      EXPECT_REFUSED(status, kPermissionDenied, row.reason);
    } else {
      EXPECT_REFUSED(status, kFailedPrecondition, row.reason);
    }
  }
}

TEST(Permissions, TheFacilitatorRecordsOnBehalfWhereThePhaseAllowsIt) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "hypotheses"));
  EXPECT_REFUSED(h.Add("m2", v1::CONTRIBUTION_KIND_HYPOTHESIS, "x", {}, "m1"), kPermissionDenied,
                 "FACILITATOR_REQUIRED");
  EXPECT_REFUSED(h.Add("f", v1::CONTRIBUTION_KIND_HYPOTHESIS, "x", {}, "stranger"),
                 kInvalidArgument, "FIELD_INVALID");
  ASSERT_OK(h.Add("f", v1::CONTRIBUTION_KIND_HYPOTHESIS, "Burn-out looming", {}, "m1"));
  const v1::Contribution& recorded =
      h.session().contributions(h.session().contributions_size() - 1);
  EXPECT_EQ(recorded.author(), "m1");
  EXPECT_EQ(recorded.recorded_by(), "f");
  EXPECT_REFUSED(h.Add("f", v1::CONTRIBUTION_KIND_NOTE, "x", {}, "o"), kPermissionDenied,
                 "ROLE_SILENT_IN_PHASE");  // the silent case owner, even through the flipchart
}

TEST(Permissions, RecordingOnBehalfIsRefusedWhereThePermissionDoesNotAllowIt) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "comments"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_COMMENT, "The second idea is new to me"));
  EXPECT_REFUSED(h.Add("f", v1::CONTRIBUTION_KIND_REFLECTION, "x", {}, "m1"), kPermissionDenied,
                 "RECORDING_NOT_ALLOWED");
}

TEST(Permissions, MembersReflectOnlyAfterTheCaseOwnerCommented) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "comments"));
  EXPECT_REFUSED(h.Add("m1", v1::CONTRIBUTION_KIND_REFLECTION, "Good process"), kFailedPrecondition,
                 "PRIOR_CONTRIBUTION_REQUIRED");
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_COMMENT, "The second idea is new to me"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_REFLECTION, "Good process"));
}

TEST(Limits, OneToTwoCaseOwnerQuestionsAndOneCaseStatementEach) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "case_description"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "How can I rebuild trust?"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "What should I leave alone?"));
  const absl::Status third = h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "And what else?");
  EXPECT_REFUSED(third, kFailedPrecondition, "CONTRIBUTION_LIMIT_REACHED");
  EXPECT_EQ(GetErrorInfo(third)->metadata().at("limit"), "2");
  EngineHarness i;
  ASSERT_OK(IntervisionAt(i, "inventory"));
  ASSERT_OK(i.Add("m1", v1::CONTRIBUTION_KIND_CASE_STATEMENT, "My case"));
  EXPECT_REFUSED(i.Add("m1", v1::CONTRIBUTION_KIND_CASE_STATEMENT, "Another one"),
                 kFailedPrecondition, "CONTRIBUTION_LIMIT_REACHED");
}

TEST(References, AnswersReferenceAQuestionOfThePhase) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  const std::string owner_question = h.session().contributions(0).name();
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Who else is involved?"));
  const std::string question = h.LastContribution();
  EXPECT_REFUSED(h.Add("o", v1::CONTRIBUTION_KIND_ANSWER, "My manager"), kInvalidArgument,
                 "REFERENCE_REQUIRED");
  EXPECT_REFUSED(h.Add("o", v1::CONTRIBUTION_KIND_ANSWER, "My manager", {owner_question}),
                 kInvalidArgument, "REFERENCE_INVALID");
  EXPECT_REFUSED(h.Add("o", v1::CONTRIBUTION_KIND_ANSWER, "My manager", {"nope"}), kInvalidArgument,
                 "REFERENCE_INVALID");
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_ANSWER, "My manager", {question}));
}

TEST(References, EveryIdeaAddressesOneOfTheCaseOwnersQuestions) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Who else is involved?"));
  const std::string member_question = h.LastContribution();
  const std::string owner_question = h.session().contributions(0).name();
  for (const char* phase : {"questions", "hypotheses", "feedback"}) {
    ASSERT_OK(h.Advance("f", phase, "moving on"));
  }
  EXPECT_REFUSED(h.Add("m1", v1::CONTRIBUTION_KIND_IDEA, "Talk to the team"), kInvalidArgument,
                 "REFERENCE_REQUIRED");
  EXPECT_REFUSED(h.Add("m1", v1::CONTRIBUTION_KIND_IDEA, "Talk", {member_question}),
                 kInvalidArgument, "REFERENCE_INVALID");
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_IDEA, "Talk to the team", {owner_question}));
}

TEST(QuestionChecks, ClosedQuestionsAreFlaggedInBalintsQuestionPhase) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "questions"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Is your manager supportive?"));
  const v1::Contribution& closed = h.session().contributions(h.session().contributions_size() - 1);
  ASSERT_EQ(closed.flags_size(), 1);
  EXPECT_EQ(closed.flags(0), v1::CONTRIBUTION_FLAG_CLOSED_QUESTION);
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "How does your manager react?"));
  EXPECT_EQ(h.session().contributions(h.session().contributions_size() - 1).flags_size(), 0);
}

TEST(QuestionChecks, AdviceAsQuestionIsRefusedWhereAdviceIsNotAllowed) {
  for (const char* text : {"Have you tried talking to her?", "Why don't you escalate?",
                           "Shouldn't you document this?", "Could you not ask for help?"}) {
    SCOPED_TRACE(text);
    EngineHarness h;
    ASSERT_OK(BalintAt(h, "questions"));
    EXPECT_REFUSED(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, text), kInvalidArgument,
                   "ADVICE_AS_QUESTION");
  }
}

v1::ProtocolTemplate WithModes(v1::CheckMode closed, v1::CheckMode advice, v1::CheckMode ident) {
  v1::ProtocolTemplate protocol = *BuiltInProtocols().Find("balint-consultation");
  protocol.set_id("balint-variant");
  protocol.clear_revision();
  protocol.mutable_content_checks()->set_closed_question_mode(closed);
  protocol.mutable_content_checks()->set_advice_question_mode(advice);
  protocol.mutable_content_checks()->set_identifying_information_mode(ident);
  return protocol;
}

absl::Status VariantAtQuestions(EngineHarness& h, const v1::ProtocolTemplate& protocol,
                                v1::Session requested = {}) {
  if (absl::Status status = h.CreateCustom(protocol, std::move(requested)); !status.ok()) {
    return status;
  }
  if (absl::Status status = h.SetUpLobby("f", "o", {"m1", "m2", "m3"}); !status.ok()) return status;
  if (absl::Status status = h.Start("f"); !status.ok()) return status;
  if (absl::Status status = h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "How?"); !status.ok()) {
    return status;
  }
  return h.Advance("f", "case_description");
}

TEST(QuestionChecks, ModesAreSetPerProtocol) {
  EngineHarness block;
  ASSERT_OK(VariantAtQuestions(
      block, WithModes(v1::CHECK_MODE_BLOCK, v1::CHECK_MODE_WARN, v1::CHECK_MODE_BLOCK)));
  EXPECT_REFUSED(block.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Did she agree?"),
                 kInvalidArgument, "CLOSED_QUESTION");
  ASSERT_OK(block.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Have you tried yoga?"));
  const v1::Contribution& advice = block.session().contributions(1);
  ASSERT_EQ(advice.flags_size(), 1);  // advice, not also closed
  EXPECT_EQ(advice.flags(0), v1::CONTRIBUTION_FLAG_ADVICE_AS_QUESTION);
  EngineHarness off;
  ASSERT_OK(VariantAtQuestions(
      off, WithModes(v1::CHECK_MODE_OFF, v1::CHECK_MODE_OFF, v1::CHECK_MODE_BLOCK)));
  ASSERT_OK(off.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Have you tried yoga?"));
  EXPECT_EQ(off.session().contributions(1).flags_size(), 0);
}

TEST(QuestionChecks, OnlyInPhasesThatAskForThem) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "case_description"));
  ASSERT_OK(h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "Should I involve my manager?"));
  EXPECT_EQ(h.session().contributions(0).flags_size(), 0);
}

TEST(QuestionChecks, ALanguageIsAddedWithoutCode) {
  v1::ProtocolTemplate protocol =
      WithModes(v1::CHECK_MODE_BLOCK, v1::CHECK_MODE_BLOCK, v1::CHECK_MODE_BLOCK);
  v1::LanguagePatterns* nl = protocol.mutable_content_checks()->add_languages();
  nl->set_language_code("nl");
  nl->add_closed_question_patterns()->set_prefix("is");
  nl->add_closed_question_patterns()->set_prefix("heeft");
  nl->add_open_question_patterns()->set_prefix("waarom");
  nl->add_advice_question_patterns()->set_prefix("heb je al geprobeerd");
  nl->add_identifying_patterns()->set_kind(v1::IDENTIFYING_INFORMATION_KIND_OTHER);
  nl->mutable_identifying_patterns(0)->set_regex("\\bcli\u00EBntnummer k\\d{4}\\b");
  v1::Session dutch;
  dutch.set_language_code("nl-BE");
  EngineHarness h;
  ASSERT_OK(VariantAtQuestions(h, protocol, dutch));
  EXPECT_REFUSED(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Heeft zij gebeld?"),
                 kInvalidArgument, "CLOSED_QUESTION");
  EXPECT_REFUSED(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Heb je al geprobeerd?"),
                 kInvalidArgument, "ADVICE_AS_QUESTION");
  EXPECT_REFUSED(
      h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Waarom cli\u00EBntnummer K1234?"),
      kInvalidArgument, "IDENTIFYING_INFORMATION");
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Waarom nu?"));
}

struct IdentifyingCase {
  const char* text;
  const char* secret;  // the part that must never be echoed
  const char* kind;
};

const IdentifyingCase kIdentifying[] = {
    {"Her address is jane.doe@example.org, she said", "jane.doe@example.org", "EMAIL_ADDRESS"},
    {"Call the mother on +31 6 12345678 tomorrow", "12345678", "PHONE_NUMBER"},
    {"The school's number is 020-123 4567", "123 4567", "PHONE_NUMBER"},
    {"Father reachable at (555) 123-4567", "123-4567", "PHONE_NUMBER"},
    {"His SSN 123-45-6789 was on the form", "123-45-6789", "ID_NUMBER"},
    {"Citizen number 123456782 is in the file", "123456782", "ID_NUMBER"},
    {"Passport NL1234567 expired", "nl1234567", "ID_NUMBER"},
    {"The boy, born 03.04.2012, lives with his aunt", "03.04.2012", "DATE_OF_BIRTH"},
    {"DOB: 2012-04-03", "2012-04-03", "DATE_OF_BIRTH"},
    {"She was born on 3 April 2012 in the city", "3 april 2012", "DATE_OF_BIRTH"},
};

TEST(IdentifyingInformation, RefusedNamingTheKindNeverEchoingTheValue) {
  for (const IdentifyingCase& row : kIdentifying) {
    SCOPED_TRACE(row.text);
    EngineHarness h;
    ASSERT_OK(BalintAt(h, "hypotheses"));
    const absl::Status status = h.Add("m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, row.text);
    EXPECT_REFUSED(status, kInvalidArgument, "IDENTIFYING_INFORMATION");
    EXPECT_EQ(GetErrorInfo(status)->metadata().at("kind"), row.kind);
    EXPECT_EQ(GetErrorInfo(status)->metadata().at("field"), "contribution.text");
    ASSERT_TRUE(GetBadRequest(status).has_value());
    const std::string everything = std::string(status.message()) +
                                   GetErrorInfo(status)->SerializeAsString() +
                                   GetBadRequest(status)->SerializeAsString();
    EXPECT_EQ(text_guard::FoldText(everything).find(row.secret), std::string::npos);
  }
}

TEST(IdentifyingInformation, OrdinaryNumbersAndDatesPass) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "hypotheses"));
  for (const char* text : {"We met 3 times in 2023", "12 open cases, 3 of them high risk",
                           "The next review is on 2030-02-01", "Room 101, 2nd floor",
                           "Between 10.30 and 12.00 on 03.04.2031"}) {
    SCOPED_TRACE(text);
    EXPECT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, text));
  }
}

TEST(IdentifyingInformation, WarnModeFlagsAndEveryTextIsGuarded) {
  EngineHarness warn;
  ASSERT_OK(VariantAtQuestions(
      warn, WithModes(v1::CHECK_MODE_WARN, v1::CHECK_MODE_BLOCK, v1::CHECK_MODE_WARN)));
  ASSERT_OK(warn.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Why mail x@y.org?"));
  EXPECT_EQ(warn.session().contributions(1).flags(0),
            v1::CONTRIBUTION_FLAG_IDENTIFYING_INFORMATION);

  EngineHarness meeting;
  ASSERT_OK(MeetingStarted(meeting, "case-management-meeting"));
  ASSERT_OK(meeting.Advance("sup", "opening"));
  const absl::Status check_in = meeting.AddCheckIn("c1", "Closed a case", "Reach 0612345678");
  EXPECT_REFUSED(check_in, kInvalidArgument, "IDENTIFYING_INFORMATION");
  EXPECT_EQ(GetErrorInfo(check_in)->metadata().at("field"), "contribution.check_in.challenge");
  EXPECT_REFUSED(meeting.End("sup", "mail sup@example.org"), kInvalidArgument,
                 "IDENTIFYING_INFORMATION");
}

TEST(TurnTaking, OnlyTheTurnHolderAsksAndTheOrderIsRecorded) {
  EngineHarness h;
  ASSERT_OK(IntervisionAt(h, "explore"));
  EXPECT_REFUSED(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Why now?"),
                 kFailedPrecondition, "NOT_YOUR_TURN");
  EXPECT_REFUSED(h.GiveTurn("m2", "m1"), kPermissionDenied, "FACILITATOR_REQUIRED");
  EXPECT_REFUSED(h.GiveTurn("f", "stranger"), kFailedPrecondition, "TURN_RECEIVER_INVALID");
  ASSERT_OK(h.GiveTurn("f", "m1"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Why now?"));
  const std::string question = h.LastContribution();
  EXPECT_REFUSED(h.Add("m2", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Who decides?"),
                 kFailedPrecondition, "NOT_YOUR_TURN");
  ASSERT_OK(h.Add("g", v1::CONTRIBUTION_KIND_ANSWER, "Deadline", {question}));  // exempt
  ASSERT_OK(h.GiveTurn("f", "m2"));
  ASSERT_OK(h.Add("m2", v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION, "Who decides?"));
  ASSERT_EQ(h.session().turns_size(), 2);
  EXPECT_EQ(h.session().turns(0).participant(), "m1");
  EXPECT_EQ(h.session().turns(1).index(), 2);
  EXPECT_EQ(h.session().contributions(h.session().contributions_size() - 1).turn_index(), 2);
  ASSERT_OK(h.GiveTurn("f", ""));
  EXPECT_EQ(h.session().turn_holder(), "");
  ASSERT_OK(h.Advance("f", "explore"));
  EXPECT_EQ(h.session().turns_size(), 0);
}

TEST(SealedWriting, EntriesAreVisibleOnlyToTheirAuthorUntilRevealed) {
  EngineHarness h;
  ASSERT_OK(IntervisionAt(h, "state_problem"));
  ASSERT_OK(h.Add("m1", v1::CONTRIBUTION_KIND_ASSOCIATION, "zq-secret-one"));
  const std::string first = h.LastContribution();
  ASSERT_OK(h.Add("m2", v1::CONTRIBUTION_KIND_ASSOCIATION, "zq-secret-two"));
  ASSERT_OK(h.Add("g", v1::CONTRIBUTION_KIND_CASE_STATEMENT, "zq-public-facts"));
  auto visible = [&](const char* viewer, const std::string& text) {
    return ProjectSession(h.state(), Person(viewer), v1::SESSION_VIEW_FULL)
               .DebugString()
               .find(text) != std::string::npos;
  };
  EXPECT_TRUE(visible("m1", "zq-secret-one"));
  EXPECT_FALSE(visible("m2", "zq-secret-one"));
  EXPECT_FALSE(visible("f", "zq-secret-one"));
  EXPECT_FALSE(visible("g", "zq-secret-one"));
  EXPECT_TRUE(visible("m3", "zq-public-facts"));
  EXPECT_REFUSED(h.Add("m2", v1::CONTRIBUTION_KIND_ASSOCIATION, "x", {first}), kInvalidArgument,
                 "REFERENCE_INVALID");
  EXPECT_REFUSED(h.Reveal("m1"), kPermissionDenied, "FACILITATOR_REQUIRED");
  ASSERT_OK(h.Reveal("f", {first}));
  EXPECT_EQ(h.log().back().contributions_revealed().trigger(), v1::REVEAL_TRIGGER_FACILITATOR);
  EXPECT_TRUE(visible("m2", "zq-secret-one"));
  EXPECT_FALSE(visible("m3", "zq-secret-two"));
  ASSERT_OK(h.Add("g", v1::CONTRIBUTION_KIND_QUESTION, "How do I say no?"));
  ASSERT_OK(h.Advance("f", "state_problem"));  // the step's end reveals the rest
  const v1::SessionEvent& reveal = h.log()[h.log().size() - 3];
  ASSERT_TRUE(reveal.has_contributions_revealed());
  EXPECT_EQ(reveal.contributions_revealed().trigger(), v1::REVEAL_TRIGGER_PHASE_END);
  EXPECT_TRUE(visible("m3", "zq-secret-two"));
}

TEST(SealedWriting, RevealingNothingAppendsNothingAndOtherPhasesAreRefused) {
  EngineHarness h;
  ASSERT_OK(IntervisionAt(h, "state_problem"));
  const size_t events = h.log().size();
  ASSERT_OK(h.Reveal("f"));
  EXPECT_EQ(h.log().size(), events);
  EXPECT_REFUSED(h.Reveal("f", {h.session().contributions(0).name()}), kInvalidArgument,
                 "FIELD_INVALID");
}

TEST(Hypotheses, OnlyTheCaseOwnerRespondsAndOnlyToHypotheses) {
  EngineHarness h;
  ASSERT_OK(BalintAt(h, "feedback"));
  const std::string hypothesis = h.LastContribution();
  const std::string question = h.session().contributions(0).name();
  EXPECT_REFUSED(h.Respond("m1", hypothesis, v1::HYPOTHESIS_RESPONSE_AGREE), kPermissionDenied,
                 "ROLE_SILENT_IN_PHASE");
  EXPECT_REFUSED(h.Respond("o", question, v1::HYPOTHESIS_RESPONSE_AGREE), kFailedPrecondition,
                 "NOT_A_HYPOTHESIS");
  EXPECT_REFUSED(h.Respond("o", hypothesis, v1::HYPOTHESIS_RESPONSE_UNSPECIFIED), kInvalidArgument,
                 "FIELD_INVALID");
  ASSERT_OK(h.Respond("o", hypothesis, v1::HYPOTHESIS_RESPONSE_DISAGREE));
  ASSERT_OK(h.Respond("o", hypothesis, v1::HYPOTHESIS_RESPONSE_AGREE, "fits"));
  EXPECT_EQ(h.session().hypotheses().agreed(), 1);
  ASSERT_OK(h.Advance("f", "feedback"));
  EXPECT_REFUSED(h.Respond("o", hypothesis, v1::HYPOTHESIS_RESPONSE_AGREE), kPermissionDenied,
                 "ROLE_SILENT_IN_PHASE");
}

TEST(ActionItems, NeedAnOwnerAndAFutureDueDate) {
  EngineHarness h;
  ASSERT_OK(MeetingStarted(h, "case-management-meeting"));
  for (int i = 0; i < 4; ++i) ASSERT_OK(h.AdvanceFromCurrent("sup", true));
  EXPECT_REFUSED(h.AddActionItem("sup", "Call the school", "c1",
                                 v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER, -absl::Hours(1)),
                 kInvalidArgument, "FIELD_INVALID");
  EXPECT_REFUSED(h.AddActionItem("sup", "Call the school", "",
                                 v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER, absl::Hours(48)),
                 kInvalidArgument, "FIELD_INVALID");
  ASSERT_OK(h.AddActionItem("sup", "Call the school", "c1", v1::ACTION_ITEM_OWNER_ROLE_CASEWORKER,
                            absl::Hours(48)));
}

}  // namespace
}  // namespace casework::session::testing
