// See quota_policy.h.
#include "libs/quota/quota_policy.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "libs/status/errors.h"

namespace casework::quota {
namespace {

constexpr std::array<absl::string_view, kQuotaCount> kNames = {
    "open_sessions",  "sessions_per_hour", "contributions_per_minute",
    "live_log_bytes", "open_cases",        "watchers"};

// What the QuotaFailure says of each limit.
constexpr std::array<absl::string_view, kQuotaCount> kWhat = {"open sessions",
                                                              "sessions created per hour",
                                                              "contributions per minute",
                                                              "bytes of live session logs",
                                                              "open cases",
                                                              "open watch streams on one replica"};

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("quota file: ", what));
}

absl::Status ReadLimits(const nlohmann::json& object, absl::string_view where,
                        QuotaLimits& limits) {
  if (!object.is_object()) return Invalid(absl::StrCat(where, " is not an object"));
  for (auto it = object.begin(); it != object.end(); ++it) {
    int index = -1;
    for (int i = 0; i < kQuotaCount; ++i) {
      if (kNames[i] == it.key()) index = i;
    }
    if (index < 0) return Invalid(absl::StrCat(where, ": unknown quota \"", it.key(), "\""));
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0) {
      return Invalid(absl::StrCat(where, ".", it.key(), " is not a whole number >= 0"));
    }
    limits.limit[index] = it.value().get<int64_t>();
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view QuotaName(Quota quota) { return kNames[static_cast<int>(quota)]; }

absl::StatusOr<QuotaPolicy> QuotaPolicy::FromFile(const std::string& path) {
  if (path.empty()) return QuotaPolicy();
  std::ifstream file(path);
  if (!file) return Invalid(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << file.rdbuf();
  return FromJson(text.str());
}

absl::StatusOr<QuotaPolicy> QuotaPolicy::FromJson(absl::string_view json) {
  const nlohmann::json root = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) return Invalid("not a JSON object");
  QuotaPolicy policy;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() != "defaults" && it.key() != "organizations") {
      return Invalid(absl::StrCat("unknown key \"", it.key(), "\""));
    }
  }
  if (root.contains("defaults")) {
    if (absl::Status s = ReadLimits(root["defaults"], "defaults", policy.defaults_); !s.ok()) {
      return s;
    }
  }
  if (root.contains("organizations")) {
    const nlohmann::json& organizations = root["organizations"];
    if (!organizations.is_object()) return Invalid("organizations is not an object");
    for (auto it = organizations.begin(); it != organizations.end(); ++it) {
      QuotaLimits limits = policy.defaults_;  // an override starts from the file's defaults
      if (absl::Status s = ReadLimits(it.value(), absl::StrCat("organizations.", it.key()), limits);
          !s.ok()) {
        return s;
      }
      policy.overrides_.emplace(it.key(), limits);
    }
  }
  return policy;
}

const QuotaLimits& QuotaPolicy::For(absl::string_view organization) const {
  auto it = overrides_.find(organization);
  return it == overrides_.end() ? defaults_ : it->second;
}

absl::Status QuotaRefusal(Quota quota, absl::string_view organization, int64_t usage, int64_t limit,
                          absl::Duration retry_after) {
  const int index = static_cast<int>(quota);
  return QuotaExceeded(
      "QUOTA_EXCEEDED",
      absl::StrCat("the organisation has reached its quota of ", limit, " ", kWhat[index]),
      {absl::StrCat("organizations/", organization),
       absl::StrCat("at most ", limit, " ", kWhat[index])},
      retry_after,
      {{"quota", std::string(kNames[index])},
       {"limit", absl::StrCat(limit)},
       {"usage", absl::StrCat(usage)}});
}

}  // namespace casework::quota
