// The detector's rules one by one, at their edges; the realistic sentences are in the table test.
#include "libs/text_guard/identifying_information.h"

#include <string>

#include "gtest/gtest.h"

namespace casework::text_guard {
namespace {

std::string KindOf(const char* text) {
  const auto kind = FindIdentifyingInformation(text);
  return kind.has_value() ? v1::IdentifyingInformationKind_Name(*kind).substr(29) : "none";
}

TEST(IdentifyingInformation, EmailAddresses) {
  EXPECT_EQ(KindOf("mother: jane.doe@example.org"), "EMAIL_ADDRESS");
  EXPECT_EQ(KindOf("o'brien+school@mail.example.co.uk."), "EMAIL_ADDRESS");
  EXPECT_EQ(KindOf("\u0438\u0432\u0430\u043D@\u043F\u0440\u0438\u043C\u0435\u0440.\u0440\u0444"),
            "EMAIL_ADDRESS");  // Cyrillic, IDN top-level domain
  EXPECT_EQ(KindOf("info@xn--mller-kva.xn--p1ai"), "EMAIL_ADDRESS");
  EXPECT_EQ(KindOf("agreed @ the meeting"), "none");
  EXPECT_EQ(KindOf("meet @ 10.30"), "none");
  EXPECT_EQ(KindOf("@team please read"), "none");
  EXPECT_EQ(KindOf("x@y"), "none");
}

TEST(IdentifyingInformation, IbansNeedTheirChecksum) {
  EXPECT_EQ(KindOf("NL91ABNA0417164300"), "BANK_ACCOUNT");
  EXPECT_EQ(KindOf("iban: gb82 west 1234 5698 7654 32."), "BANK_ACCOUNT");
  EXPECT_EQ(KindOf("NL91 ABNA 0417 1643 00 and more words"), "BANK_ACCOUNT");
  // A wrong check digit is no IBAN; its long digit groups still read as a number.
  EXPECT_EQ(KindOf("NL92 ABNA 0417 1643 00"), "PHONE_NUMBER");
  EXPECT_EQ(KindOf("GB83 WEST 1234 5698 7654 32"), "ID_NUMBER");
  EXPECT_EQ(KindOf("AB12 form, section 4"), "none");
}

TEST(IdentifyingInformation, DatesOfBirthNeedAFullDateNearABirthWord) {
  EXPECT_EQ(KindOf("born 03.04.2012 in the north"), "DATE_OF_BIRTH");
  EXPECT_EQ(KindOf("d.o.b. 3rd of April 2012"), "DATE_OF_BIRTH");
  EXPECT_EQ(KindOf("geb. 3. 4. 2012"), "DATE_OF_BIRTH");
  EXPECT_EQ(KindOf("Sie ist am 03.04.2012 geboren"), "DATE_OF_BIRTH");
  EXPECT_EQ(KindOf("verjaardag 12 mei 2014"), "DATE_OF_BIRTH");
  EXPECT_EQ(KindOf("born in 2012"), "none");
  EXPECT_EQ(KindOf("Geburtstag am 3. M\u00E4rz"), "none");
  EXPECT_EQ(KindOf("born in Syria, arrived 03.04.2019 with 2 siblings"), "none");
  EXPECT_EQ(KindOf("gebied 03.04.2019"), "none");
  EXPECT_EQ(KindOf("Bornholm 03.04.2019, geben am 4. Mai 2019"), "none");
}

TEST(IdentifyingInformation, PhoneNumbers) {
  for (const char* text : {"call +31 6 1234 5678 after school", "reachable on 06-12345678",
                           "(020) 1234567", "+4930123456", "0044 20 7946 0958", "06.12.34.56.78",
                           "555-123-4567", "+31 (0)6-1234 5678"}) {
    EXPECT_EQ(KindOf(text), "PHONE_NUMBER") << text;
  }
  for (const char* text : {"00900103", "tel 112", "0,5 %", "+5 kg", "06.12.2024"}) {
    EXPECT_EQ(KindOf(text), "none") << text;
  }
}

TEST(IdentifyingInformation, IdNumbers) {
  for (const char* text :
       {"BSN 123456782 on file", "123-45-6789", "1234.56.789", "123.456.789", "12 345 678 901",
        "AB1234567", "ab 1234567", "QQ123456C", "65170839J003", "12345678Z", "T22000129",
        "L01X00T47", "case 12345678901-ab", "No. 123456789"}) {
    EXPECT_EQ(KindOf(text), "ID_NUMBER") << text;
  }
}

TEST(IdentifyingInformation, OrdinaryNumbersPass) {
  for (const char* text : {"Attendance improved to 4 days a week since the meeting on 2024-06-01.",
                           "Reference CP-2024-00417 discussed; next review in 6 weeks.",
                           "Client agreed @ the team meeting to try the plan.",
                           "Score moved from 3 to 7 of 10.",
                           "",
                           "bb994168",
                           "deadbeef1234",
                           "a1b2c3d4e5f6",
                           "123e4567-e89b-12d3-abcd-426614174000",
                           "1.2.3",
                           "v2.10.4",
                           "10.0.19045",
                           "1.250.000",
                           "12.500.000 EUR",
                           "2019-2021",
                           "2019 2020 2021",
                           "14:30-15:45",
                           "10-15 min",
                           "45%",
                           "rtx3080ti",
                           "covid-19",
                           "ISO 27001",
                           "12.03.2025 10.30",
                           "03.04.2012 - 05.04.2012"}) {
    EXPECT_EQ(KindOf(text), "none") << text;
  }
}

}  // namespace
}  // namespace casework::text_guard
