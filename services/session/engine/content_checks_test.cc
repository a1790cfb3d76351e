// The content-check matching with the built-in English patterns of the protocol files.
#include "services/session/engine/content_checks.h"

#include "gtest/gtest.h"
#include "services/session/engine/testing/engine_harness.h"

namespace casework::session::testing {
namespace {

const v1::LanguagePatterns& English() {
  return *PatternsForLanguage(BuiltInProtocols().Find("balint-consultation")->content_checks(),
                              "en");
}

TEST(ContentChecks, Normalisation) {
  EXPECT_EQ(NormalizeText("  Why   DON\xE2\x80\x99T you\t\ntry?  "), "why don't you try?");
  EXPECT_EQ(NormalizeText("a\xC2\xA0"
                          "b"),
            "a b");
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

TEST(ContentChecks, RegexValidation) {
  EXPECT_TRUE(CheckRegex(R"(\d{3})").ok());
  EXPECT_FALSE(CheckRegex("(").ok());
}

}  // namespace
}  // namespace casework::session::testing
