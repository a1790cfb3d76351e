// The guard's table (guard_cases.h). Invisible and other-script characters are written as \u
// escapes so a reader sees where they are.
#include "libs/text_guard/testing/guard_cases.h"

namespace casework::text_guard::testing {
namespace {

namespace v1 = ::casework::v1;

constexpr auto kEmail = v1::IDENTIFYING_INFORMATION_KIND_EMAIL_ADDRESS;
constexpr auto kPhone = v1::IDENTIFYING_INFORMATION_KIND_PHONE_NUMBER;
constexpr auto kId = v1::IDENTIFYING_INFORMATION_KIND_ID_NUMBER;
constexpr auto kBirth = v1::IDENTIFYING_INFORMATION_KIND_DATE_OF_BIRTH;
constexpr auto kBank = v1::IDENTIFYING_INFORMATION_KIND_BANK_ACCOUNT;

}  // namespace

const std::vector<RefusedText>& RefusedTexts() {
  static const auto* const texts = new std::vector<RefusedText>{
      // English
      {"en", "Her address is jane.doe@example.org, she said", kEmail},
      {"en", "Mother's mail: jane.doe\uFF20example.org", kEmail},  // full-width @
      {"en",
       "\uFF4A\uFF41\uFF4E\uFF45\uFF20\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45\uFF0E"
       "\uFF4F\uFF52\uFF47 is where the school writes",
       kEmail},  // all full-width
      {"en", "You can write to jane @ example.org after the meeting", kEmail},
      {"en", "Reach her at jane at example dot org", kEmail},
      {"en", "Write to jane dot doe at example dot org for the forms", kEmail},
      {"en", "The aunt is jane (at) example [dot] org", kEmail},
      {"en", "Contact: jane[at]example[dot]co[dot]uk", kEmail},
      {"en", "Father's e-mail is peter@m\u00FCller.de", kEmail},  // IDN domain
      {"en", "He uses info@xn--mller-kva.de for the school", kEmail},
      {"en", "Her mail is jane.doe@example.org\u200B", kEmail},
      {"en", "Call the mother on +31 6 12345678 tomorrow", kPhone},
      {"en", "Phone 0\u200B6\u200B1234\u200B5678 after school", kPhone},  // zero-width spaces
      {"en", "His number is 0 6 1 2 3 4 5 6 7 8", kPhone},                // spaced digits
      {"en", "Call \u0660\u0666\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668 in the evening",
       kPhone},  // Arabic-Indic digits
      {"en", "Her mobile: \uFF10\uFF16\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18",
       kPhone},  // full-width digits
      {"en", "Uncle's phone \u0966\u096C\u0967\u0968\u0969\u096A\u096B\u096C\u096D\u096E",
       kPhone},  // Devanagari digits
      {"en", "Soft hyphen inside: 06\u00AD12345678", kPhone},
      {"en", "Father reachable at (555) 123-4567", kPhone},
      {"en", "The school's number is 020-123 4567", kPhone},
      {"en", "Call +44 20 7946 0958 before noon", kPhone},
      {"en", "His SSN 219-09-9999 was on the form", kId},
      {"en", "Passport AB 1234567 expired last year", kId},
      {"en", "Passport NL1234567 was renewed", kId},
      {"en", "Her NI number is QQ 12 34 56 C", kId},
      {"en", "The file lists 123456782 as her citizen number", kId},
      {"en", "Her account is GB82 WEST 1234 5698 7654 32", kBank},
      {"en", "Benefits go to FR14 2004 1010 0505 0001 3M02 606", kBank},
      {"en", "The boy, born 03.04.2012, lives with his aunt", kBirth},
      {"en", "DOB: 2012-04-03", kBirth},
      {"en", "She was born on 3 April 2012 in the city", kBirth},
      {"en", "Date of birth April 3, 2012 according to the referral", kBirth},
      // German
      {"de", "Die Mutter ist unter mutter@beispiel.de erreichbar", kEmail},
      {"de", "Mail an klaus \u00E4t beispiel punkt de", kEmail},
      {"de", "Adresse: klaus(at)beispiel(punkt)de", kEmail},
      {"de", "Der Vater schreibt von j\u00FCrgen@b\u00FCcher.de", kEmail},
      {"de", "Mail: anna\uFF20beispiel\uFF0Ede", kEmail},
      {"de", "Die Mutter ist unter 0171 2345678 erreichbar", kPhone},
      {"de", "Telefon: +49 (0)30 1234 5678", kPhone},
      {"de", "Handy 0151-23456789, bitte nur abends", kPhone},
      {"de", "Rufnummer \uFF10\uFF11\uFF17\uFF11 \uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18",
       kPhone},
      {"de", "Telefonnummer mit Leerzeichen: 0 1 7 1 2 3 4 5 6 7 8", kPhone},
      {"de", "Festnetz 030\u200C1234\u200D5678 (nur vormittags)", kPhone},
      {"de", "Die Steuer-ID lautet 12 345 678 901", kId},
      {"de", "Sozialversicherungsnummer 65 170839 J 003", kId},
      {"de", "Reisepass C01X00T47 liegt der Akte bei", kId},
      {"de", "Das Kind ist am 3. M\u00E4rz 2012 geboren", kBirth},
      {"de", "geb. 03.04.2012 in K\u00F6ln", kBirth},
      {"de", "Geburtsdatum: 14.02.2015", kBirth},
      {"de", "IBAN DE89 3704 0044 0532 0130 00 f\u00FCr die Miete", kBank},
      {"de", "Konto DE89370400440532013000 der Gro\u00DFmutter", kBank},
      {"de", "\u00D6sterreichisches Konto AT61 1904 3002 3457 3201", kBank},
      // Dutch
      {"nl", "Mail de moeder via moeder@voorbeeld.nl", kEmail},
      {"nl", "Haar adres is jan apenstaartje voorbeeld punt nl", kEmail},
      {"nl", "E-mail: kees (at) bloemen (punt) nl", kEmail},
      {"nl", "Moeder bereikbaar op 06-12345678", kPhone},
      {"nl", "Bel 06 12 34 56 78 na school", kPhone},
      {"nl", "Vader: +31 (0)20 123 4567", kPhone},
      {"nl", "Bel \u0660\u0666-\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668 voor een afspraak",
       kPhone},
      {"nl", "Telefoon: 020\u200B-\u200B123\u200B4567", kPhone},
      {"nl", "Nummer oma: 0\uFEFF6 1\uFEFF2 3\uFEFF4 5\uFEFF6 7\uFEFF8", kPhone},  // BOMs
      {"nl", "Het BSN is 123456782", kId},
      {"nl", "BSN 1234.56.782 staat in het dossier", kId},
      {"nl", "Paspoort XR1234567 is verlopen", kId},
      {"nl", "Geboren op 3 maart 2012 in Utrecht", kBirth},
      {"nl", "Hij is op 12-05-2010 geboren", kBirth},
      {"nl", "Geboortedatum 2010-05-12", kBirth},
      {"nl", "Rekeningnummer NL91 ABNA 0417 1643 00", kBank},
      {"nl", "Huur gaat naar NL91ABNA0417164300", kBank},
      {"nl", "Belgische rekening BE68 5390 0754 7034", kBank},
  };
  return *texts;
}

const std::vector<PassingText>& PassingTexts() {
  static const auto* const texts = new std::vector<PassingText>{
      // English
      {"en", "We met 3 times in 2023"},
      {"en", "12 open cases, 3 of them high risk"},
      {"en", "The next review is on 2030-02-01"},
      {"en", "Room 101, 2nd floor"},
      {"en", "Between 10.30 and 12.00 on 03.04.2031"},
      {"en", "Client agreed @ the team meeting to try the plan."},
      {"en", "Reference CP-2024-00417 discussed; next review in 6 weeks."},
      {"en", "Score moved from 3 to 7 of 10."},
      {"en", "The fix landed in commit bb994168 of the case tool"},
      {"en", "The log line mentions 00900103 twice"},
      {"en", "Export 123e4567-e89b-12d3-a456-426614174000 ran at 3f9a2c1e7b"},
      {"en", "Hash e83c5163316f89bfbde7d9ab23ca2e25604af290 is in the release notes"},
      {"en", "Upgraded the app from v2.10.4 to 2.11.0"},
      {"en", "Attendance went up 45% since January"},
      {"en", "The family owes $12,500 in rent; the fund covers 1,250"},
      {"en", "Phase 1 takes 10-15 min, phase 4 about 5 min"},
      {"en", "She was at home when the team called at 14:30"},
      {"en", "He was at home.Then he left for school"},
      {"en", "Born in 2012, she is now in year 6"},
      {"en", "Meeting moved from 12.03.2025 10:00 to 19.03.2025 10:00"},
      {"en", "Case load: 27 open, 4 high-risk, 9 stagnating since 2019 2020 2021"},
      // German
      {"de", "Die Mutter hat 3 Kinder, das \u00E4lteste ist 14"},
      {"de", "Termin am 12.03.2025 um 10:00 Uhr"},
      {"de", "Die Sitzung dauerte 90 Minuten, davon 10-15 Minuten Einf\u00FChrung"},
      {"de", "Wir treffen uns im Raum 2.14 um 9.30 Uhr"},
      {"de", "Die Kosten lagen bei 1.250,50 \u20AC pro Monat"},
      {"de", "Zu Punkt 3 der Tagesordnung gab es keine Einw\u00E4nde"},
      {"de", "Seit 2019 wohnt die Familie in der Stadt, 2021 kam das zweite Kind"},
      {"de", "Der Geburtstag des Kindes wird im Team nicht besprochen"},
      {"de", "Die Quote stieg von 12 % auf 18 %"},
      {"de", "Gespr\u00E4ch am 3. M\u00E4rz mit der Schule, Version 1.2.3 des Protokolls"},
      {"de", "Das Jugendamt zahlt 1.200.000 \u20AC f\u00FCr alle Tr\u00E4ger im Kreis"},
      {"de", "Er war at home, sagt er, Punkt."},
      {"de", "Aktenzeichen 2024/118 wurde am 03.04.2024 besprochen"},
      // Dutch
      {"nl", "Klient heeft een afspraak op 12 maart om 10:00"},
      {"nl", "Het gezin heeft 2 kinderen van 4 en 7 jaar"},
      {"nl", "Op dit punt in het gesprek was de moeder stil"},
      {"nl", "De casus staat sinds 2022 op de lijst, punt 4 van de agenda"},
      {"nl", "Het budget is 2.500 euro per jaar"},
      {"nl", "Om 9.30 uur begint de intervisie, om 11.00 uur is de pauze"},
      {"nl", "Bijna 60% van de doelen is gehaald"},
      {"nl", "Versie 3.4.1 van het protocol wordt gebruikt"},
      {"nl", "Hij was jarig op 3 maart; we hebben er kort bij stilgestaan"},
      {"nl", "Dossier 2024-118 besproken, volgende evaluatie over 6 weken"},
      {"nl", "Ticket 00900103 staat nog open in het systeem"},
      {"nl", "Het rapport noemt code bb994168 als referentie"},
  };
  return *texts;
}

}  // namespace casework::text_guard::testing
