// The content checks of a protocol: closed questions and advice phrased as a question, driven by
// the patterns in its template, and client-identifying information, found by the suite's one
// detector (libs/text_guard, shared with the records service) and then by the template's and the
// organisation's own patterns. Question patterns are matched against FoldText's output, identifying
// patterns against NormalizeForGuard's (libs/text_guard/text_normalizer.h: NFKC case folded,
// invisible characters gone, digits in ASCII, spacing and spelled-out addresses undone). Compiled
// regular expressions are cached process-wide behind a mutex, so the checks stay cheap and safe to
// call from any thread.
#ifndef LIBS_SESSION_ENGINE_CONTENT_CHECKS_H_
#define LIBS_SESSION_ENGINE_CONTENT_CHECKS_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "casework/v1/errors.pb.h"
#include "casework/v1/protocol.pb.h"

namespace casework::session {

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

// The kind of identifying information in `text`: the built-in detector's finding, else the kind
// of the first identifying pattern (the language's, then the organisation's) that matches;
// nullopt when nothing does or the guard is OFF.
std::optional<casework::v1::IdentifyingInformationKind> DetectIdentifyingInformation(
    const casework::v1::ContentChecks& checks, absl::string_view language_code,
    absl::string_view text);

// OK when `pattern` is a valid RE2 expression; otherwise the compiler's reason.
absl::Status CheckRegex(absl::string_view pattern);

}  // namespace casework::session

#endif  // LIBS_SESSION_ENGINE_CONTENT_CHECKS_H_
