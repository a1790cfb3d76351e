// The detailed rules of AddContribution.
#include "libs/session_engine/contribution_rules.h"

#include <algorithm>
#include <functional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "libs/session_engine/content_checks.h"
#include "libs/session_engine/engine_errors.h"
#include "libs/session_engine/session_queries.h"
#include "libs/session_engine/time_util.h"

namespace casework::session {
namespace {

namespace v1 = ::casework::v1;

constexpr size_t kMaxText = 4000;
constexpr size_t kMaxCheckInText = 2000;
constexpr int kMaxReferences = 10;

bool LengthOk(const std::string& text, size_t max) { return !text.empty() && text.size() <= max; }

absl::Status ValidateDetails(const v1::Contribution& contribution, absl::Time now) {
  const bool check_in = contribution.kind() == v1::CONTRIBUTION_KIND_CHECK_IN;
  const bool action = contribution.kind() == v1::CONTRIBUTION_KIND_ACTION_ITEM;
  if (check_in != contribution.has_check_in()) {
    return FieldInvalid("contribution.check_in", "is required for CHECK_IN and only for it");
  }
  if (action != contribution.has_action_item()) {
    return FieldInvalid("contribution.action_item", "is required for ACTION_ITEM and only for it");
  }
  if (check_in) {
    if (!LengthOk(contribution.check_in().success(), kMaxCheckInText)) {
      return FieldInvalid("contribution.check_in.success", "must be 1-2,000 characters");
    }
    if (!LengthOk(contribution.check_in().challenge(), kMaxCheckInText)) {
      return FieldInvalid("contribution.check_in.challenge", "must be 1-2,000 characters");
    }
  }
  if (action) {
    const v1::ActionItemDetails& item = contribution.action_item();
    if (item.owner().empty()) return FieldInvalid("contribution.action_item.owner", "is required");
    if (!v1::ActionItemOwnerRole_IsValid(item.owner_role()) ||
        item.owner_role() == v1::ACTION_ITEM_OWNER_ROLE_UNSPECIFIED) {
      return FieldInvalid("contribution.action_item.owner_role",
                          "must be SUPERVISOR or CASEWORKER");
    }
    if (!item.has_due_time() || ToTime(item.due_time()) <= now) {
      return FieldInvalid("contribution.action_item.due_time", "must lie in the future");
    }
  }
  return absl::OkStatus();
}

absl::Status InvalidReference(int index, absl::string_view why, const std::string& reference) {
  return ContentRefusal(v1::ERROR_REASON_REFERENCE_INVALID,
                        absl::StrCat("contribution.references[", index, "]"), why,
                        {{"reference", reference}});
}

absl::Status QuestionRefusal(v1::ErrorReason reason, absl::string_view why,
                             const std::string& phase_id) {
  return ContentRefusal(reason, "contribution.text", why, {{"phase_id", phase_id}});
}

}  // namespace

absl::Status ValidateContributionShape(const v1::Contribution& contribution, absl::Time now) {
  if (!v1::ContributionKind_IsValid(contribution.kind()) ||
      contribution.kind() == v1::CONTRIBUTION_KIND_UNSPECIFIED) {
    return FieldInvalid("contribution.kind", "must be a contribution kind");
  }
  const bool check_in = contribution.kind() == v1::CONTRIBUTION_KIND_CHECK_IN;
  if (check_in ? contribution.text().size() > kMaxText : !LengthOk(contribution.text(), kMaxText)) {
    return FieldInvalid("contribution.text", "must be 1-4,000 characters");
  }
  if (absl::Status status = ValidateDetails(contribution, now); !status.ok()) return status;
  if (contribution.references_size() > kMaxReferences) {
    return FieldInvalid("contribution.references", "at most 10 references");
  }
  std::set<std::string> seen;
  for (int i = 0; i < contribution.references_size(); ++i) {
    if (contribution.references(i).empty() || !seen.insert(contribution.references(i)).second) {
      return FieldInvalid(absl::StrCat("contribution.references[", i, "]"),
                          "must name a contribution, each at most once");
    }
  }
  return absl::OkStatus();
}

absl::Status GuardContribution(const ContributionDraft& draft,
                               std::vector<v1::ContributionFlag>* flags) {
  const v1::ContentChecks& checks = draft.state.protocol().content_checks();
  const v1::Contribution& c = draft.contribution;
  const std::pair<const char*, const std::string*> texts[] = {
      {"contribution.text", &c.text()},
      {"contribution.check_in.success", &c.check_in().success()},
      {"contribution.check_in.challenge", &c.check_in().challenge()}};
  for (const auto& [field, text] : texts) {
    const auto kind =
        DetectIdentifyingInformation(checks, draft.state.session().language_code(), *text);
    if (!kind.has_value()) continue;
    if (checks.identifying_information_mode() == v1::CHECK_MODE_BLOCK) {
      std::string name = v1::IdentifyingInformationKind_Name(*kind);
      name.erase(0, std::string("IDENTIFYING_INFORMATION_KIND_").size());
      return ContentRefusal(
          v1::ERROR_REASON_IDENTIFYING_INFORMATION, field,
          absl::StrCat("looks like client-identifying information (", name, "); remove it"),
          {{"field", field}, {"kind", name}});
    }
    flags->push_back(v1::CONTRIBUTION_FLAG_IDENTIFYING_INFORMATION);
    break;
  }
  return absl::OkStatus();
}

absl::Status CheckReferences(const ContributionDraft& draft) {
  const v1::Session& session = draft.state.session();
  const v1::Contribution& c = draft.contribution;
  const v1::ReferenceRule* rule = draft.grant != nullptr && draft.grant->has_reference_rule()
                                      ? &draft.grant->reference_rule()
                                      : nullptr;
  const auto requirement =
      rule == nullptr ? v1::REFERENCE_REQUIREMENT_OPTIONAL : rule->requirement();
  if (requirement == v1::REFERENCE_REQUIREMENT_REQUIRED && c.references().empty()) {
    return ContentRefusal(
        v1::ERROR_REASON_REFERENCE_REQUIRED, "contribution.references",
        "this entry must reference the contribution it responds to",
        {{"phase_id", session.current_phase().phase_id()}, {"kind", KindName(c.kind())}});
  }
  const int max = rule != nullptr && rule->max_references() > 0 ? rule->max_references() : 10;
  for (int i = 0; i < c.references_size(); ++i) {
    const std::string& name = c.references(i);
    if (requirement == v1::REFERENCE_REQUIREMENT_FORBIDDEN || i >= max) {
      return InvalidReference(i, "this phase accepts no (more) references here", name);
    }
    const v1::Contribution* target = FindContribution(session, name);
    if (target == nullptr || !ContentVisibleTo(*target, draft.author)) {
      return InvalidReference(i, "no such contribution is visible to you", name);
    }
    if (rule == nullptr) continue;
    const auto& kinds = rule->target_kinds();
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), target->kind()) == kinds.end()) {
      return InvalidReference(i, "the referenced contribution is of the wrong kind", name);
    }
    if (rule->target_author_role() != v1::SESSION_ROLE_UNSPECIFIED &&
        !HoldsRole(session, target->author(), rule->target_author_role())) {
      return InvalidReference(
          i, absl::StrCat("must reference an entry of the ", RoleName(rule->target_author_role())),
          name);
    }
    if (rule->target_in_current_phase() &&
        target->phase_index() != session.current_phase().index()) {
      return InvalidReference(i, "must reference an entry of the current phase", name);
    }
  }
  return absl::OkStatus();
}

absl::Status CheckQuestion(const ContributionDraft& draft,
                           std::vector<v1::ContributionFlag>* flags) {
  const v1::ContributionKind kind = draft.contribution.kind();
  if (draft.phase == nullptr || (kind != v1::CONTRIBUTION_KIND_QUESTION &&
                                 kind != v1::CONTRIBUTION_KIND_CLARIFYING_QUESTION)) {
    return absl::OkStatus();
  }
  const v1::ContentChecks& checks = draft.state.protocol().content_checks();
  const v1::LanguagePatterns* patterns =
      PatternsForLanguage(checks, draft.state.session().language_code());
  if (patterns == nullptr) return absl::OkStatus();
  const auto& listed = draft.phase->question_checks();
  auto listed_check = [&](v1::QuestionCheck check) {
    return std::find(listed.begin(), listed.end(), check) != listed.end();
  };
  const std::string& text = draft.contribution.text();
  if (listed_check(v1::QUESTION_CHECK_ADVICE_AS_QUESTION) &&
      checks.advice_question_mode() != v1::CHECK_MODE_OFF && IsAdviceQuestion(*patterns, text)) {
    if (checks.advice_question_mode() == v1::CHECK_MODE_BLOCK) {
      return QuestionRefusal(v1::ERROR_REASON_ADVICE_AS_QUESTION,
                             "this reads as advice phrased as a question; advice is not allowed "
                             "in this phase",
                             draft.phase->id());
    }
    flags->push_back(v1::CONTRIBUTION_FLAG_ADVICE_AS_QUESTION);
    return absl::OkStatus();
  }
  if (listed_check(v1::QUESTION_CHECK_CLOSED_QUESTION) &&
      checks.closed_question_mode() != v1::CHECK_MODE_OFF && IsClosedQuestion(*patterns, text)) {
    if (checks.closed_question_mode() == v1::CHECK_MODE_BLOCK) {
      return QuestionRefusal(v1::ERROR_REASON_CLOSED_QUESTION,
                             "this reads as a yes/no question; ask an open question (why, how, "
                             "what ...)",
                             draft.phase->id());
    }
    flags->push_back(v1::CONTRIBUTION_FLAG_CLOSED_QUESTION);
  }
  return absl::OkStatus();
}

absl::Status CheckOrderTurnAndLimits(const ContributionDraft& draft) {
  const v1::Session& session = draft.state.session();
  const v1::PhasePermission& grant = *draft.grant;
  const int index = session.current_phase().index();
  const std::string& phase_id = draft.phase->id();
  const std::string kind = KindName(draft.contribution.kind());
  if (grant.has_requires_prior()) {
    const v1::PriorContribution& prior = grant.requires_prior();
    const int found = CountContributions(
        draft.state, index, [&](v1::ContributionKind made, const std::string& author) {
          return made == prior.kind() && (prior.author_role() == v1::SESSION_ROLE_UNSPECIFIED ||
                                          HoldsRole(session, author, prior.author_role()));
        });
    if (found == 0) {
      return Refusal(absl::StatusCode::kFailedPrecondition,
                     v1::ERROR_REASON_PRIOR_CONTRIBUTION_REQUIRED,
                     absl::StrCat("wait for the ", RoleName(prior.author_role()), "'s ",
                                  KindName(prior.kind())),
                     {{"phase_id", phase_id},
                      {"kind", kind},
                      {"required_kind", KindName(prior.kind())},
                      {"required_role", RoleName(prior.author_role())}});
    }
  }
  if (draft.phase->turn_taking() && !grant.exempt_from_turn_taking() &&
      session.turn_holder() != draft.author) {
    return Refusal(absl::StatusCode::kFailedPrecondition, v1::ERROR_REASON_NOT_YOUR_TURN,
                   "wait until the facilitator gives you the turn",
                   {{"phase_id", phase_id}, {"turn_holder", session.turn_holder()}});
  }
  auto in_grant = [&](v1::ContributionKind made) { return ContainsKind(grant, made); };
  auto limit = [&](int max) {
    return Refusal(absl::StatusCode::kFailedPrecondition,
                   v1::ERROR_REASON_CONTRIBUTION_LIMIT_REACHED,
                   "the phase's limit for this kind is reached",
                   {{"phase_id", phase_id}, {"kind", kind}, {"limit", absl::StrCat(max)}});
  };
  if (grant.max_per_participant() > 0 &&
      CountContributions(draft.state, index,
                         [&](v1::ContributionKind made, const std::string& author) {
                           return author == draft.author && in_grant(made);
                         }) >= grant.max_per_participant()) {
    return limit(grant.max_per_participant());
  }
  if (grant.max_total() > 0 &&
      CountContributions(draft.state, index,
                         [&](v1::ContributionKind made, const std::string& author) {
                           return in_grant(made) && HoldsRole(session, author, grant.role());
                         }) >= grant.max_total()) {
    return limit(grant.max_total());
  }
  return absl::OkStatus();
}

}  // namespace casework::session
