// The content checks of a protocol, driven entirely by the patterns in its template: closed
// questions, advice phrased as a question, and client-identifying information. Patterns are
// matched against the normalised text (trimmed, white space collapsed, typographic quotes and
// non-breaking spaces mapped to ASCII, ASCII case folded). Compiled regular expressions are cached
// process-wide behind a mutex, so the checks stay cheap and safe to call from any thread.
#ifndef SERVICES_SESSION_ENGINE_CONTENT_CHECKS_H_
#define SERVICES_SESSION_ENGINE_CONTENT_CHECKS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "casework/v1/errors.pb.h"
#include "casework/v1/protocol.pb.h"

namespace casework::session {

// The normalised form every pattern is matched against.
std::string NormalizeText(absl::string_view text);

// The patterns for `language_code`: an exact entry, else its primary subtag ("nl" for "nl-BE"),
// else "en"; nullptr when the template has none of these.
const casework::v1::LanguagePatterns* PatternsForLanguage(const casework::v1::ContentChecks& checks,
                                                          absl::string_view language_code);

// Whether `normalized` matches any of `patterns`.
bool MatchesAny(const google::protobuf::RepeatedPtrField<casework::v1::TextPattern>& patterns,
                absl::string_view normalized);

// Advice in the form of a question ("have you tried ...?").
bool IsAdviceQuestion(const casework::v1::LanguagePatterns& patterns, absl::string_view text);

// A closed (yes/no) question that no open-question pattern matches.
bool IsClosedQuestion(const casework::v1::LanguagePatterns& patterns, absl::string_view text);

// The kind of the first identifying pattern (the language's, then the organisation's) that
// matches `text`; nullopt when none does or the guard is OFF.
std::optional<casework::v1::IdentifyingInformationKind> DetectIdentifyingInformation(
    const casework::v1::ContentChecks& checks, absl::string_view language_code,
    absl::string_view text);

// OK when `pattern` is a valid RE2 expression; otherwise the compiler's reason.
absl::Status CheckRegex(absl::string_view pattern);

}  // namespace casework::session

#endif  // SERVICES_SESSION_ENGINE_CONTENT_CHECKS_H_
