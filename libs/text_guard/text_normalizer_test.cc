// The normaliser: what each step does to a text, and the properties the fuzzer also checks
// (idempotence, bounded growth).
#include "libs/text_guard/text_normalizer.h"

#include <string>

#include "gtest/gtest.h"

namespace casework::text_guard {
namespace {

TEST(FoldText, CollapsesWhiteSpaceMapsQuotesAndFoldsCase) {
  EXPECT_EQ(FoldText("  Why   DON\u2019T you\t\ntry?  "), "why don't you try?");
  EXPECT_EQ(FoldText("a\u00A0b\u2003c\u3000d\u2028e"), "a b c d e");
  EXPECT_EQ(FoldText("\u201CSo\u201D, \u00ABja\u00BB"), "\"so\", \"ja\"");
  EXPECT_EQ(FoldText(""), "");
  EXPECT_EQ(FoldText(" \t "), "");
}

TEST(FoldText, AppliesNfkcWithCaseFolding) {
  EXPECT_EQ(FoldText("\uFF2A\uFF41\uFF4E\uFF45"), "jane");  // full-width letters
  EXPECT_EQ(FoldText("\uFB01le"), "file");                  // ligature
  EXPECT_EQ(FoldText("Stra\u00DFe"), "strasse");
  EXPECT_EQ(FoldText("M\u00C4RZ"), "m\u00E4rz");
  EXPECT_EQ(FoldText("Ma\u0308rz"), "m\u00E4rz");  // decomposed umlaut composed
  EXPECT_EQ(FoldText("\u2460\u00B2"), "12");       // circled and superscript digits
}

TEST(FoldText, RemovesFormatAndControlCharacters) {
  EXPECT_EQ(FoldText("0\u200B6\u200C1\u200D2\u2060"), "0612");
  EXPECT_EQ(FoldText("\uFEFFsoft\u00ADhyphen\u200Eand\u202Emarks"), "softhyphenandmarks");
  EXPECT_EQ(FoldText("bell\a and\x1B escape"), "bell and escape");
}

TEST(FoldText, MapsEveryScriptsDecimalDigitsToAscii) {
  EXPECT_EQ(FoldText("\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"),
            "0123456789");                            // Arabic-Indic
  EXPECT_EQ(FoldText("\u06F0\u06F9"), "09");          // extended Arabic-Indic
  EXPECT_EQ(FoldText("\u0966\u096F"), "09");          // Devanagari
  EXPECT_EQ(FoldText("\u09E6\u0E59\u1049"), "099");   // Bengali, Thai, Myanmar
  EXPECT_EQ(FoldText("\uFF10\uFF19"), "09");          // full-width
  EXPECT_EQ(FoldText("\U0001D7CE\U0001D7D7"), "09");  // mathematical bold
  EXPECT_EQ(FoldText("06\u201312\u2014 34\u2011 5\u22126"), "06-12- 34- 5-6");  // dashes, minus
}

TEST(FoldText, ReplacesInvalidUtf8) {
  EXPECT_EQ(FoldText("a\xFF"
                     "b\xC3"),
            "a\uFFFDb\uFFFD");
}

TEST(NormalizeForGuard, ClosesSpacingInsideDigitRunsAndAroundAt) {
  EXPECT_EQ(NormalizeForGuard("0 6 1 2 3 4 5 6 7 8"), "0612345678");
  EXPECT_EQ(NormalizeForGuard("+31 6 12345678"), "+31612345678");
  EXPECT_EQ(NormalizeForGuard("020 123 4567"), "020 123 4567");
  EXPECT_EQ(NormalizeForGuard("am 12.03.2025 10:00"), "am 12.03.2025 10:00");
  EXPECT_EQ(NormalizeForGuard("jane  @  example.org"), "jane@example.org");
  EXPECT_EQ(NormalizeForGuard("3 Kinder, 14 Jahre"), "3 kinder, 14 jahre");
}

TEST(NormalizeForGuard, WritesSpelledOutAddressesBack) {
  EXPECT_EQ(NormalizeForGuard("jane at example dot org"), "jane@example.org");
  EXPECT_EQ(NormalizeForGuard("(jane at example dot co dot uk)"), "(jane@example.co.uk)");
  EXPECT_EQ(NormalizeForGuard("jane (at) example [dot] org."), "jane@example.org.");
  EXPECT_EQ(NormalizeForGuard("jane[at]example[dot]org"), "jane@example.org");
  EXPECT_EQ(NormalizeForGuard("jane at example.org"), "jane@example.org");
  EXPECT_EQ(NormalizeForGuard("jane @ example dot org"), "jane@example.org");
  EXPECT_EQ(NormalizeForGuard("Klaus \u00C4T Beispiel PUNKT de"), "klaus@beispiel.de");
  EXPECT_EQ(NormalizeForGuard("jan apenstaartje voorbeeld punt nl"), "jan@voorbeeld.nl");
  EXPECT_EQ(NormalizeForGuard("anna klammeraffe beispiel punkt de"), "anna@beispiel.de");
}

TEST(NormalizeForGuard, LeavesOrdinaryAtDotAndPuntAlone) {
  for (const char* text : {"she was at home when we called at 14:30", "he was at home.then he left",
                           "op dit punt in het gesprek", "zu punkt 3 der tagesordnung",
                           "at school dot by dot", "we met at 10.30", "look at it dot 5"}) {
    EXPECT_EQ(NormalizeForGuard(text), text);
  }
}

TEST(NormalizeForGuard, IsIdempotentAndGrowsBoundedly) {
  for (const char* text :
       {"x ( @ ) y", "p at q at r dot org", "a at b@c dot com", "12 34 5 at y dot com",
        "((dot)) [(at)]", "1 2 (at) 3 dot com", "jane at example dot org, dot com", "\uFDFA",
        "0\u200B6 1 2\u00AD3", "a\u0316 @ \u0301b", "\u0660 \u0661 \u0662"}) {
    const std::string once = NormalizeForGuard(text);
    EXPECT_EQ(NormalizeForGuard(once), once) << text;
    EXPECT_LE(once.size(), kMaxGrowth * std::string(text).size()) << text;
  }
}

}  // namespace
}  // namespace casework::text_guard
