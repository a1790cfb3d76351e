// Validation of one protocol template: the template-wide checks (header, limits, role rules,
// agreements, content checks, segments); phases are checked in phase_validator.cc.
#include "libs/session_engine/protocol_validator.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/session_engine/content_checks.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/protocol_validator_internal.h"
#include "libs/session_engine/session_limits.h"
#include "libs/session_engine/time_util.h"
#include "libs/text_guard/text_normalizer.h"

namespace casework::session {
namespace internal {
namespace {

namespace v1 = ::casework::v1;

constexpr absl::Duration kDefaultWarningLead = absl::Minutes(2);

bool IsLanguageCode(const std::string& code) {
  if (code.empty() || code.size() > 35 || !absl::ascii_isalpha(static_cast<unsigned char>(code[0])))
    return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

bool ValidTeamRole(int role) {
  return v1::TeamRole_IsValid(role) && role != v1::TEAM_ROLE_UNSPECIFIED;
}

bool ValidMode(int mode) {
  return v1::CheckMode_IsValid(mode) && mode != v1::CHECK_MODE_UNSPECIFIED;
}

}  // namespace

bool IsId(const std::string& id, char separator) {
  if (id.empty() || id.size() > 63) return false;
  return std::all_of(id.begin(), id.end(), [separator](char c) {
    return absl::ascii_islower(static_cast<unsigned char>(c)) ||
           absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == separator;
  });
}

bool ValidRole(int role) {
  return v1::SessionRole_IsValid(role) && role != v1::SESSION_ROLE_UNSPECIFIED;
}

bool ValidKind(int kind) {
  return v1::ContributionKind_IsValid(kind) && kind != v1::CONTRIBUTION_KIND_UNSPECIFIED;
}

TemplateValidator::Scope::Scope(TemplateValidator* validator, std::string field, int index)
    : validator_(validator) {
  validator_->path_.push_back({std::move(field), index});
}

TemplateValidator::Scope::~Scope() { validator_->path_.pop_back(); }

std::optional<ProtocolIssue> TemplateValidator::Run(const v1::ProtocolTemplate& protocol) {
  protocol_ = &protocol;
  lead_ = protocol.has_time_warning_lead() ? ToDuration(protocol.time_warning_lead())
                                           : kDefaultWarningLead;
  (void)(Header() && Limits() && SessionBounds() && RoleRules() && Agreements() && Checks() &&
         Phases(protocol.phases(), "phases", /*top_level=*/true) && Segments());
  return issue_;
}

bool TemplateValidator::Fail(std::string field, int index, std::string reason) {
  issue_ = ProtocolIssue{path_, std::move(reason)};
  if (!field.empty()) issue_->path.push_back({std::move(field), index});
  return false;
}

bool TemplateValidator::Header() {
  const v1::ProtocolTemplate& p = *protocol_;
  if (!p.name().empty()) return Fail("name", "is assigned by the server; leave it out");
  if (!p.revision().empty()) return Fail("revision", "is computed by the loader; leave it out");
  if (!IsId(p.id(), '-')) {
    return Fail("id", "must be 1-63 lower-case letters, digits and dashes");
  }
  if (p.title().empty()) return Fail("title", "is required");
  if (!v1::ProtocolCategory_IsValid(p.category()) ||
      p.category() == v1::PROTOCOL_CATEGORY_UNSPECIFIED) {
    return Fail("category", "must be a ProtocolCategory other than UNSPECIFIED");
  }
  if (p.has_time_warning_lead() && lead_ <= absl::ZeroDuration()) {
    return Fail("time_warning_lead", "must be positive");
  }
  std::set<int> titled;
  for (int i = 0; i < p.role_titles_size(); ++i) {
    Scope scope(this, "role_titles", i);
    const v1::RoleTitle& title = p.role_titles(i);
    if (!ValidRole(title.role())) return Fail("role", "must be a session role");
    if (!titled.insert(title.role()).second) return Fail("role", "is titled twice");
    if (title.title().empty()) return Fail("title", "is required");
  }
  return true;
}

bool TemplateValidator::Limits() {
  Scope scope(this, "participant_limits");
  const v1::ParticipantLimits& limits = protocol_->participant_limits();
  if (limits.min_members() < 0) return Fail("min_members", "must not be negative");
  if (limits.max_members() < 0) return Fail("max_members", "must not be negative");
  if (limits.max_members() > 0 && limits.min_members() > limits.max_members()) {
    return Fail("max_members", "must not be below min_members");
  }
  return true;
}

bool TemplateValidator::SessionBounds() {
  Scope scope(this, "session_limits");
  const v1::SessionLimits& limits = protocol_->session_limits();
  if (limits.max_contributions() < 0 || limits.max_contributions() > kMaxContributionsPerSession) {
    return Fail("max_contributions",
                absl::StrCat("must be 1-", kMaxContributionsPerSession, " (0: the default)"));
  }
  if (limits.max_content_bytes() != 0 &&
      (limits.max_content_bytes() < kMinContentBytesPerSession ||
       limits.max_content_bytes() > kMaxContentBytesPerSession)) {
    return Fail("max_content_bytes", absl::StrCat("must be ", kMinContentBytesPerSession, "-",
                                                  kMaxContentBytesPerSession, " (0: the default)"));
  }
  return true;
}

bool TemplateValidator::RoleRules() {
  Scope scope(this, "role_rules");
  const v1::RoleRules& rules = protocol_->role_rules();
  for (int i = 0; i < rules.required_at_start_size(); ++i) {
    const int role = rules.required_at_start(i);
    if (role != v1::SESSION_ROLE_FACILITATOR && role != v1::SESSION_ROLE_CASE_OWNER) {
      return Fail("required_at_start", i, "must be FACILITATOR or CASE_OWNER");
    }
  }
  for (int i = 0; i < rules.facilitator_team_roles_size(); ++i) {
    if (!ValidTeamRole(rules.facilitator_team_roles(i))) {
      return Fail("facilitator_team_roles", i, "must be a team role");
    }
  }
  for (int i = 0; i < rules.case_owner_team_roles_size(); ++i) {
    if (!ValidTeamRole(rules.case_owner_team_roles(i))) {
      return Fail("case_owner_team_roles", i, "must be a team role");
    }
  }
  return true;
}

bool TemplateValidator::Agreements() {
  std::set<int> seen;
  for (int i = 0; i < protocol_->agreements_size(); ++i) {
    Scope scope(this, "agreements", i);
    const v1::AgreementTemplate& agreement = protocol_->agreements(i);
    if (!v1::Agreement_IsValid(agreement.agreement()) ||
        agreement.agreement() == v1::AGREEMENT_UNSPECIFIED) {
      return Fail("agreement", "must be an Agreement other than UNSPECIFIED");
    }
    if (!seen.insert(agreement.agreement()).second) return Fail("agreement", "is listed twice");
    if (agreement.title().empty()) return Fail("title", "is required");
    if (agreement.text().empty()) return Fail("text", "is required");
  }
  return true;
}

bool TemplateValidator::Checks() {
  Scope scope(this, "content_checks");
  const v1::ContentChecks& checks = protocol_->content_checks();
  if (!ValidMode(checks.closed_question_mode())) {
    return Fail("closed_question_mode", "must be OFF, WARN or BLOCK");
  }
  if (!ValidMode(checks.advice_question_mode())) {
    return Fail("advice_question_mode", "must be OFF, WARN or BLOCK");
  }
  if (!ValidMode(checks.identifying_information_mode())) {
    return Fail("identifying_information_mode", "must be OFF, WARN or BLOCK");
  }
  std::set<std::string> codes;
  for (int i = 0; i < checks.languages_size(); ++i) {
    Scope language_scope(this, "languages", i);
    const std::string code = absl::AsciiStrToLower(checks.languages(i).language_code());
    if (!IsLanguageCode(code)) return Fail("language_code", "must be a BCP 47 tag like \"en\"");
    if (!codes.insert(code).second) return Fail("language_code", "is listed twice");
    if (!Language(checks.languages(i))) return false;
  }
  for (int i = 0; i < checks.extra_identifying_patterns_size(); ++i) {
    Scope pattern_scope(this, "extra_identifying_patterns", i);
    if (!Identifying(checks.extra_identifying_patterns(i))) return false;
  }
  return EnglishCoversModes(checks);
}

bool TemplateValidator::EnglishCoversModes(const v1::ContentChecks& checks) {
  const v1::LanguagePatterns* en = nullptr;
  for (const v1::LanguagePatterns& language : checks.languages()) {
    if (absl::AsciiStrToLower(language.language_code()) == "en") en = &language;
  }
  const bool closed = checks.closed_question_mode() != v1::CHECK_MODE_OFF;
  const bool advice = checks.advice_question_mode() != v1::CHECK_MODE_OFF;
  // The identifying-information guard needs no entry: its built-in detector covers every
  // language, and a language's identifying patterns only add to it.
  if (en == nullptr) {
    if (closed || advice) {
      return Fail("languages", "need an \"en\" entry while a question check is on");
    }
    return true;
  }
  if (closed && en->closed_question_patterns().empty()) {
    return Fail("languages", "\"en\" needs closed_question_patterns while that check is on");
  }
  if (advice && en->advice_question_patterns().empty()) {
    return Fail("languages", "\"en\" needs advice_question_patterns while that check is on");
  }
  return true;
}

bool TemplateValidator::Language(const v1::LanguagePatterns& language) {
  return Patterns(language.closed_question_patterns(), "closed_question_patterns") &&
         Patterns(language.open_question_patterns(), "open_question_patterns") &&
         Patterns(language.advice_question_patterns(), "advice_question_patterns") &&
         IdentifyingList(language.identifying_patterns());
}

bool TemplateValidator::Patterns(
    const google::protobuf::RepeatedPtrField<v1::TextPattern>& patterns, const std::string& field) {
  for (int i = 0; i < patterns.size(); ++i) {
    const v1::TextPattern& pattern = patterns.Get(i);
    switch (pattern.matcher_case()) {
      case v1::TextPattern::kPrefix:
        if (text_guard::FoldText(pattern.prefix()).empty()) {
          return Fail(field, i, "prefix must not be empty");
        }
        break;
      case v1::TextPattern::kRegex:
        if (absl::Status status = CheckRegex(pattern.regex());
            pattern.regex().empty() || !status.ok()) {
          return Fail(field, i, absl::StrCat("regex is not valid RE2: ", status.message()));
        }
        break;
      case v1::TextPattern::MATCHER_NOT_SET:
        return Fail(field, i, "needs a prefix or a regex");
    }
  }
  return true;
}

bool TemplateValidator::IdentifyingList(
    const google::protobuf::RepeatedPtrField<v1::IdentifyingPattern>& list) {
  for (int i = 0; i < list.size(); ++i) {
    Scope scope(this, "identifying_patterns", i);
    if (!Identifying(list.Get(i))) return false;
  }
  return true;
}

bool TemplateValidator::Identifying(const v1::IdentifyingPattern& pattern) {
  if (!v1::IdentifyingInformationKind_IsValid(pattern.kind()) ||
      pattern.kind() == v1::IDENTIFYING_INFORMATION_KIND_UNSPECIFIED) {
    return Fail("kind", "must be an IdentifyingInformationKind other than UNSPECIFIED");
  }
  if (absl::Status status = CheckRegex(pattern.regex()); pattern.regex().empty() || !status.ok()) {
    return Fail("regex", absl::StrCat("is not valid RE2: ", status.message()));
  }
  return true;
}

bool TemplateValidator::Segments() {
  int slots = 0;
  for (const v1::PhaseTemplate& phase : protocol_->phases()) slots += phase.segment_slot();
  if (protocol_->segment_options().empty()) return true;
  if (slots != 1) return Fail("phases", "need exactly one segment_slot phase with segment_options");
  std::set<int> kinds;
  for (int i = 0; i < protocol_->segment_options_size(); ++i) {
    Scope scope(this, "segment_options", i);
    const v1::SegmentOption& option = protocol_->segment_options(i);
    if (!v1::ExtendedSegmentKind_IsValid(option.kind()) ||
        option.kind() == v1::EXTENDED_SEGMENT_KIND_UNSPECIFIED) {
      return Fail("kind", "must be an ExtendedSegmentKind other than UNSPECIFIED");
    }
    if (!kinds.insert(option.kind()).second) return Fail("kind", "is offered twice");
    if (option.title().empty()) return Fail("title", "is required");
    const bool discussion = option.kind() == v1::EXTENDED_SEGMENT_KIND_CASE_DISCUSSION;
    if (discussion && option.case_discussion_protocol_ids().empty()) {
      return Fail("case_discussion_protocol_ids", "name at least one protocol");
    }
    if (discussion && !option.phases().empty()) {
      return Fail("phases", "a case discussion runs another protocol's phases");
    }
    if (!discussion && !option.case_discussion_protocol_ids().empty()) {
      return Fail("case_discussion_protocol_ids", "only for CASE_DISCUSSION");
    }
    if (!discussion && !Phases(option.phases(), "phases", /*top_level=*/false)) return false;
  }
  return true;
}

}  // namespace internal

namespace v1 = ::casework::v1;

std::string FieldPathString(const std::vector<FieldPathElement>& path) {
  std::string out;
  for (const FieldPathElement& element : path) {
    if (!out.empty()) out += '.';
    out += element.field;
    if (element.index >= 0) absl::StrAppend(&out, "[", element.index, "]");
  }
  return out;
}

std::optional<ProtocolIssue> FindProtocolIssue(const v1::ProtocolTemplate& protocol) {
  return internal::TemplateValidator().Run(protocol);
}

absl::Status ValidateProtocolTemplate(const v1::ProtocolTemplate& protocol) {
  std::optional<ProtocolIssue> issue = FindProtocolIssue(protocol);
  if (!issue.has_value()) return absl::OkStatus();
  return Refusal(absl::StatusCode::kInvalidArgument, v1::ERROR_REASON_PROTOCOL_INVALID,
                 absl::StrCat("protocol \"", protocol.id(), "\": ", FieldPathString(issue->path),
                              ": ", issue->reason));
}

}  // namespace casework::session
