// The content-check matching with the built-in English patterns of the protocol files, and the
// identifying-information guard of every protocol against the shared table of texts.
#include "libs/session_engine/content_checks.h"

#include "gtest/gtest.h"
#include "libs/session_engine/testing/engine_harness.h"
#include "libs/text_guard/testing/guard_cases.h"

namespace casework::session::testing {
namespace {

const v1::LanguagePatterns& English() {
  return *PatternsForLanguage(BuiltInProtocols().Find("balint-consultation")->content_checks(),
                              "en");
}

TEST(ContentChecks, QuestionsAreMatchedAfterNormalisation) {
  EXPECT_TRUE(IsClosedQuestion(English(), "\uFF29\uFF53 she safe?"));  // full-width "Is"
  EXPECT_TRUE(IsClosedQuestion(English(), "  DOES\u00A0the\u200B school know?"));
  EXPECT_TRUE(IsAdviceQuestion(English(), "Why DON\u2019T you call her?"));
}

TEST(ContentChecks, LanguageFallsBackToPrimarySubtagThenEnglish) {
  const v1::ContentChecks& checks = BuiltInProtocols().Find("intervision")->content_checks();
  EXPECT_EQ(PatternsForLanguage(checks, "en-GB")->language_code(), "en");
  EXPECT_EQ(PatternsForLanguage(checks, "de")->language_code(), "en");
}

TEST(ContentChecks, ClosedQuestions) {
  for (const char* text :
       {"Is she safe?", "Are they aware?", "Do you trust him?", "Does the school know?",
        "Did it help?", "Can you say no?", "Could it be the move?", "Have they met?",
        "Has he called?", "Will she come?", "Would he agree?", "Should the team know?",
        "Isn't that hard?", "Don't you think so?"}) {
    EXPECT_TRUE(IsClosedQuestion(English(), text)) << text;
  }
  for (const char* text : {"Why now?", "How did she react?", "What happened then?",
                           "Who else is involved?", "Where does this happen?", "When did it start?",
                           "Which option feels right?", "Could you describe the last visit?",
                           "Isolation - how is it?", "In what way does it matter?"}) {
    EXPECT_FALSE(IsClosedQuestion(English(), text)) << text;
  }
}

TEST(ContentChecks, AdvicePhrasedAsAQuestion) {
  for (const char* text :
       {"Have you tried a home visit?", "Why don't you call her?", "Why not ask the school?",
        "Shouldn't you escalate?", "Could you not wait a week?", "What if you called first?",
        "How about a letter?", "Is it true that you should stop?"}) {
    EXPECT_TRUE(IsAdviceQuestion(English(), text)) << text;
  }
  for (const char* text : {"Why did you choose this?", "What have you tried so far?",
                           "How do you feel about it?", "Why nothing changed?"}) {
    EXPECT_FALSE(IsAdviceQuestion(English(), text)) << text;
  }
}

TEST(ContentChecks, GuardOffDetectsNothing) {
  v1::ContentChecks checks = BuiltInProtocols().Find("balint-consultation")->content_checks();
  EXPECT_TRUE(DetectIdentifyingInformation(checks, "en", "mail x@y.org").has_value());
  checks.set_identifying_information_mode(v1::CHECK_MODE_OFF);
  EXPECT_FALSE(DetectIdentifyingInformation(checks, "en", "mail x@y.org").has_value());
}

TEST(ContentChecks, OrganisationPatternsAddToTheLanguages) {
  v1::ContentChecks checks = BuiltInProtocols().Find("balint-consultation")->content_checks();
  EXPECT_FALSE(DetectIdentifyingInformation(checks, "en", "client K-77-AB").has_value());
  v1::IdentifyingPattern* own = checks.add_extra_identifying_patterns();
  own->set_kind(v1::IDENTIFYING_INFORMATION_KIND_OTHER);
  own->set_regex(R"(\bk-\d{2}-[a-z]{2}\b)");
  EXPECT_EQ(DetectIdentifyingInformation(checks, "en", "client K-77-AB"),
            v1::IDENTIFYING_INFORMATION_KIND_OTHER);
}

TEST(ContentChecks, TheBuiltInDetectorNeedsNoPatterns) {
  v1::ContentChecks checks;
  checks.set_identifying_information_mode(v1::CHECK_MODE_BLOCK);
  EXPECT_EQ(DetectIdentifyingInformation(checks, "fr", "\u00E9crire \u00E0 x (at) y [dot] org"),
            v1::IDENTIFYING_INFORMATION_KIND_EMAIL_ADDRESS);
  EXPECT_EQ(DetectIdentifyingInformation(checks, "de", "IBAN DE89 3704 0044 0532 0130 00"),
            v1::IDENTIFYING_INFORMATION_KIND_BANK_ACCOUNT);
  EXPECT_FALSE(DetectIdentifyingInformation(checks, "en", "10-15 min, v2.10.4").has_value());
}

TEST(ContentChecks, OrganisationPatternsMatchTheNormalisedText) {
  v1::ContentChecks checks = BuiltInProtocols().Find("intervision")->content_checks();
  v1::IdentifyingPattern* own = checks.add_extra_identifying_patterns();
  own->set_kind(v1::IDENTIFYING_INFORMATION_KIND_OTHER);
  own->set_regex(R"(\bclient k\d{4}\b)");
  EXPECT_EQ(DetectIdentifyingInformation(checks, "nl", "CLIENT \uFF2B\u0661\u0662\u0663\u0664"),
            v1::IDENTIFYING_INFORMATION_KIND_OTHER);
}

// Every shipped protocol, in the table's language, refuses and passes exactly what the shared
// detector does: the templates' own patterns add no false positives.
TEST(ContentChecks, EveryProtocolHoldsToTheGuardTable) {
  for (const v1::ProtocolTemplate& protocol : BuiltInProtocols().protocols()) {
    SCOPED_TRACE(protocol.id());
    const v1::ContentChecks& checks = protocol.content_checks();
    for (const auto& row : text_guard::testing::RefusedTexts()) {
      EXPECT_EQ(DetectIdentifyingInformation(checks, row.language, row.text), row.kind) << row.text;
    }
    for (const auto& row : text_guard::testing::PassingTexts()) {
      EXPECT_FALSE(DetectIdentifyingInformation(checks, row.language, row.text).has_value())
          << row.text;
    }
  }
}

TEST(ContentChecks, RegexValidation) {
  EXPECT_TRUE(CheckRegex(R"(\d{3})").ok());
  EXPECT_FALSE(CheckRegex("(").ok());
}

}  // namespace
}  // namespace casework::session::testing
