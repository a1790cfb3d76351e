// E-mail addresses written out to dodge a pattern ("jo at example dot org", "jo (at) example
// [dot] org", "jo ät beispiel punkt de", "jo apenstaartje voorbeeld punt nl") are written back as
// addresses, so every detector sees "jo@example.org". Bracketed forms are unambiguous and replaced
// wherever they stand; the bare words ("at", "dot", "punkt", "punt") are ordinary words too, so
// they only count inside the whole shape local AT label (DOT label)+, and the English "at" before
// an already dotted domain only when it ends in a common top-level domain ("at home.then" is a
// missing space, not an address).
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "libs/text_guard/normalizer_passes.h"
#include "libs/text_guard/text_classes.h"

namespace casework::text_guard::internal {
namespace {

struct Form {
  absl::string_view text;
  char replacement;
};

constexpr Form kBracketedForms[] = {
    {"(at)", '@'},        {"[at]", '@'},    {"{at}", '@'},   {"<at>", '@'},   {"(\xC3\xA4t)", '@'},
    {"[\xC3\xA4t]", '@'}, {"(dot)", '.'},   {"[dot]", '.'},  {"{dot}", '.'},  {"<dot>", '.'},
    {"(punkt)", '.'},     {"[punkt]", '.'}, {"(punt)", '.'}, {"[punt]", '.'},
};

constexpr absl::string_view kAtWords[] = {"at", "\xC3\xA4t", "apenstaartje", "klammeraffe", "@"};
constexpr absl::string_view kDotWords[] = {"dot", "punkt", "punt", "."};
constexpr absl::string_view kCommonTopLevelDomains[] = {
    "com", "org", "net", "edu", "gov", "info", "biz", "io", "eu", "de", "nl", "be", "at",
    "ch",  "uk",  "fr",  "lu",  "dk",  "se",   "no",  "fi", "it", "es", "pl", "us", "ca"};

template <size_t N>
bool OneOf(absl::string_view token, const absl::string_view (&words)[N]) {
  for (absl::string_view word : words) {
    if (token == word) return true;
  }
  return false;
}

bool IsTrailingPunctuation(char c) {
  return absl::string_view(".,;:!?)]}\"'").find(c) != absl::string_view::npos;
}

// A domain label or a dotted domain ("example", "mail.example.org"), no empty label.
bool IsDomain(absl::string_view token, bool dots_allowed) {
  if (token.empty() || token.front() == '.' || token.back() == '.') return false;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '.' && dots_allowed && token[i - 1] != '.') continue;
    if (!IsLabelChar(token[i])) return false;
  }
  return true;
}

bool EndsInTopLevelDomain(absl::string_view domain) {
  return IsTopLevelDomain(domain.substr(domain.rfind('.') + 1));
}

// The token without the sentence punctuation that may follow the last label.
absl::string_view WithoutTrailingPunctuation(absl::string_view token) {
  while (!token.empty() && IsTrailingPunctuation(token.back())) token.remove_suffix(1);
  return token;
}

// Whether `token` ends in a plausible local part and holds no "@" yet.
bool EndsInLocalPart(absl::string_view token) {
  if (token.find('@') != absl::string_view::npos) return false;
  size_t begin = token.size();
  while (begin > 0 && IsLocalChar(token[begin - 1])) --begin;
  for (size_t i = begin; i < token.size(); ++i) {
    if (IsAlnum(token[i]) || IsNonAscii(token[i])) return true;
  }
  return false;
}

// Extends `domain` with (DOT label)+ from tokens[*next]; returns how many pairs were taken, -1 when
// a label is malformed. The last label may carry trailing punctuation, which ends the chain.
int ExtendWithDots(const std::vector<absl::string_view>& tokens, size_t* next, std::string* domain,
                   std::string* trailing) {
  int pairs = 0;
  while (*next + 1 < tokens.size() && OneOf(tokens[*next], kDotWords)) {
    absl::string_view label = tokens[*next + 1];
    absl::string_view clean = WithoutTrailingPunctuation(label);
    if (!IsDomain(clean, false)) return pairs == 0 ? 0 : -1;
    domain->append(".").append(clean.data(), clean.size());
    *next += 2;
    ++pairs;
    if (clean.size() != label.size()) {
      *trailing = std::string(label.substr(clean.size()));
      break;
    }
  }
  return pairs;
}

// local AT domain...: the rewritten address (without the local token), or "" when the tokens from
// `at` on are no address.
std::string MatchAfterAt(const std::vector<absl::string_view>& tokens, size_t at, size_t* next) {
  if (at + 1 >= tokens.size() || !OneOf(tokens[at], kAtWords)) return "";
  absl::string_view first = tokens[at + 1];
  absl::string_view clean = WithoutTrailingPunctuation(first);
  if (!IsDomain(clean, true)) return "";
  std::string domain(clean);
  std::string trailing(first.substr(clean.size()));
  *next = at + 2;
  const bool dotted = domain.find('.') != std::string::npos;
  int pairs = 0;
  if (trailing.empty()) pairs = ExtendWithDots(tokens, next, &domain, &trailing);
  if (pairs < 0 || (!dotted && pairs == 0) || !EndsInTopLevelDomain(domain)) return "";
  if (tokens[at] == "at" && pairs == 0 &&
      !OneOf(domain.substr(domain.rfind('.') + 1), kCommonTopLevelDomains)) {
    return "";
  }
  return "@" + domain + trailing;
}

// name@domain DOT org: the dots appended, or "" when `tokens[i]` is no such start.
std::string MatchDotsAfterAddress(const std::vector<absl::string_view>& tokens, size_t i,
                                  size_t* next) {
  const size_t at = tokens[i].rfind('@');
  if (at == absl::string_view::npos || !IsDomain(tokens[i].substr(at + 1), true)) return "";
  std::string domain(tokens[i].substr(at + 1));
  std::string trailing;
  *next = i + 1;
  if (ExtendWithDots(tokens, next, &domain, &trailing) <= 0 || !EndsInTopLevelDomain(domain)) {
    return "";
  }
  return std::string(tokens[i].substr(0, at + 1)) + domain + trailing;
}

}  // namespace

std::string RewriteBracketedForms(absl::string_view text) {
  if (text.find_first_of("([{<") == absl::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    const Form* found = nullptr;
    for (const Form& form : kBracketedForms) {
      if (c != '(' && c != '[' && c != '{' && c != '<') break;
      if (text.substr(i, form.text.size()) == form.text) found = &form;
    }
    if (found == nullptr) {
      out.push_back(text[i++]);
      continue;
    }
    if (!out.empty() && out.back() == ' ') out.pop_back();
    out.push_back(found->replacement);
    i += found->text.size();
    if (i < text.size() && text[i] == ' ') ++i;
  }
  return out;
}

std::string RewriteSpelledAddresses(absl::string_view text) {
  const std::vector<absl::string_view> tokens = absl::StrSplit(text, ' ');
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < tokens.size();) {
    if (!out.empty()) out.push_back(' ');
    size_t next = i + 1;
    if (i + 1 < tokens.size() && OneOf(tokens[i + 1], kAtWords) && EndsInLocalPart(tokens[i])) {
      if (std::string address = MatchAfterAt(tokens, i + 1, &next); !address.empty()) {
        out.append(tokens[i].data(), tokens[i].size()).append(address);
        i = next;
        continue;
      }
    } else if (std::string dotted = MatchDotsAfterAddress(tokens, i, &next); !dotted.empty()) {
      out.append(dotted);
      i = next;
      continue;
    }
    out.append(tokens[i].data(), tokens[i].size());
    i = i + 1;
  }
  return out;
}

}  // namespace casework::text_guard::internal
