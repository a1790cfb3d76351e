// Pattern matching for the content checks, with a process-wide cache of compiled expressions; the
// identifying-information guard asks the shared detector first.
#include "libs/session_engine/content_checks.h"

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "libs/text_guard/identifying_information.h"
#include "libs/text_guard/text_normalizer.h"
#include "re2/re2.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

// Bounded so that adversarial templates cannot grow the cache without limit; clearing it only
// costs recompilation.
constexpr size_t kMaxCachedPatterns = 4096;

class PatternCache {
 public:
  // The compiled pattern, or nullptr when it does not compile. Never freed while cached entries
  // may be in use: entries are shared_ptr, so clearing the map keeps live users valid.
  std::shared_ptr<const RE2> Get(absl::string_view pattern) {
    absl::MutexLock lock(&mutex_);
    auto it = patterns_.find(pattern);
    if (it != patterns_.end()) return it->second;
    if (patterns_.size() >= kMaxCachedPatterns) patterns_.clear();
    RE2::Options options;
    options.set_case_sensitive(false);
    options.set_log_errors(false);
    auto compiled =
        std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
    std::shared_ptr<const RE2> result = compiled->ok() ? compiled : nullptr;
    patterns_.emplace(std::string(pattern), result);
    return result;
  }

 private:
  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, std::shared_ptr<const RE2>> patterns_ ABSL_GUARDED_BY(mutex_);
};

PatternCache& Cache() {
  static PatternCache* cache = new PatternCache();
  return *cache;
}

bool RegexFinds(absl::string_view pattern, absl::string_view text) {
  std::shared_ptr<const RE2> re = Cache().Get(pattern);
  return re != nullptr && RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re);
}

// A prefix matches whole words only: "is" matches "is it ..." but not "isolation ...".
bool StartsWithWords(absl::string_view normalized, absl::string_view prefix) {
  if (prefix.empty() || !absl::StartsWith(normalized, prefix)) return false;
  if (normalized.size() == prefix.size()) return true;
  const auto last = static_cast<unsigned char>(prefix.back());
  const auto next = static_cast<unsigned char>(normalized[prefix.size()]);
  return !absl::ascii_isalnum(last) || !absl::ascii_isalnum(next);
}

bool Matches(const v1::TextPattern& pattern, absl::string_view normalized) {
  switch (pattern.matcher_case()) {
    case v1::TextPattern::kPrefix:
      return StartsWithWords(normalized, text_guard::FoldText(pattern.prefix()));
    case v1::TextPattern::kRegex:
      return RegexFinds(pattern.regex(), normalized);
    case v1::TextPattern::MATCHER_NOT_SET:
      return false;
  }
  return false;
}

}  // namespace

const v1::LanguagePatterns* PatternsForLanguage(const v1::ContentChecks& checks,
                                                absl::string_view language_code) {
  const std::string wanted = absl::AsciiStrToLower(language_code);
  const std::string primary = wanted.substr(0, wanted.find('-'));
  const v1::LanguagePatterns* fallback = nullptr;
  const v1::LanguagePatterns* primary_match = nullptr;
  for (const v1::LanguagePatterns& patterns : checks.languages()) {
    const std::string code = absl::AsciiStrToLower(patterns.language_code());
    if (code == wanted) return &patterns;
    if (code == primary && primary_match == nullptr) primary_match = &patterns;
    if (code == "en" && fallback == nullptr) fallback = &patterns;
  }
  return primary_match != nullptr ? primary_match : fallback;
}

bool MatchesAny(const google::protobuf::RepeatedPtrField<v1::TextPattern>& patterns,
                absl::string_view normalized) {
  for (const v1::TextPattern& pattern : patterns) {
    if (Matches(pattern, normalized)) return true;
  }
  return false;
}

bool IsAdviceQuestion(const v1::LanguagePatterns& patterns, absl::string_view text) {
  return MatchesAny(patterns.advice_question_patterns(), text_guard::FoldText(text));
}

bool IsClosedQuestion(const v1::LanguagePatterns& patterns, absl::string_view text) {
  const std::string normalized = text_guard::FoldText(text);
  if (MatchesAny(patterns.open_question_patterns(), normalized)) return false;
  return MatchesAny(patterns.closed_question_patterns(), normalized);
}

std::optional<v1::IdentifyingInformationKind> DetectIdentifyingInformation(
    const v1::ContentChecks& checks, absl::string_view language_code, absl::string_view text) {
  if (checks.identifying_information_mode() == v1::CHECK_MODE_OFF || text.empty()) {
    return std::nullopt;
  }
  const std::string normalized = text_guard::NormalizeForGuard(text);
  if (auto kind = text_guard::FindInNormalizedText(normalized); kind.has_value()) return kind;
  if (const v1::LanguagePatterns* patterns = PatternsForLanguage(checks, language_code)) {
    for (const v1::IdentifyingPattern& pattern : patterns->identifying_patterns()) {
      if (RegexFinds(pattern.regex(), normalized)) return pattern.kind();
    }
  }
  for (const v1::IdentifyingPattern& pattern : checks.extra_identifying_patterns()) {
    if (RegexFinds(pattern.regex(), normalized)) return pattern.kind();
  }
  return std::nullopt;
}

absl::Status CheckRegex(absl::string_view pattern) {
  RE2::Options options;
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  RE2 re(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (re.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(re.error());
}

}  // namespace casework::session
