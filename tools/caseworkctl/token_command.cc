// `caseworkctl token`: mints an HS256 development token with the key script/bootstrap generated.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/clock.h"
#include "libs/auth/jwt_minter.h"
#include "libs/auth/signing_keys.h"
#include "tools/caseworkctl/commands.h"

ABSL_FLAG(std::string, user, "", "token: the subject (an opaque user id, never a name)");
ABSL_FLAG(std::string, org, "", "token: the organisation id (default $CASEWORK_ORG)");
ABSL_FLAG(std::vector<std::string>, role, {},
          "token: roles, comma-separated (facilitator, member, supervisor, caseworker, admin, "
          "auditor; session-service and notification-service are the services' identities)");
ABSL_FLAG(std::vector<std::string>, team, {}, "token: team ids, comma-separated");
ABSL_FLAG(std::string, key_file, "",
          "token: HS256 key file (default $CASEWORK_JWT_KEY_FILE, else .dev/jwt-hs256.key)");
ABSL_FLAG(absl::Duration, ttl, absl::Hours(8), "token: lifetime");
ABSL_FLAG(std::string, issuer, "casework-dev", "token: issuer (must match the services' flag)");
ABSL_FLAG(std::string, audience, "casework", "token: audience (must match the services' flag)");

namespace casework::ctl {

int RunTokenCommand() {
  const std::string user = absl::GetFlag(FLAGS_user);
  std::string org = absl::GetFlag(FLAGS_org);
  if (org.empty() && std::getenv("CASEWORK_ORG") != nullptr) org = std::getenv("CASEWORK_ORG");
  if (user.empty() || org.empty() || absl::GetFlag(FLAGS_role).empty()) {
    std::cerr << "caseworkctl token: --user, --org and --role are required\n";
    return 2;
  }
  std::string key_file = absl::GetFlag(FLAGS_key_file);
  if (key_file.empty()) {
    const char* env = std::getenv("CASEWORK_JWT_KEY_FILE");
    key_file = env != nullptr ? env : ".dev/jwt-hs256.key";
  }
  absl::StatusOr<auth::JwtKey> key = auth::LoadHs256Key(key_file, "dev");
  if (!key.ok()) {
    std::cerr << "caseworkctl token: " << key.status().message()
              << " (run script/bootstrap to generate the development key)\n";
    return 1;
  }
  casework::v1::Principal principal;
  principal.set_subject(user);
  principal.set_organization(org);
  for (const std::string& role : absl::GetFlag(FLAGS_role)) principal.add_roles(role);
  for (const std::string& team : absl::GetFlag(FLAGS_team)) principal.add_teams(team);
  absl::StatusOr<std::string> token =
      auth::MintToken(principal,
                      auth::TokenOptions{absl::GetFlag(FLAGS_issuer), absl::GetFlag(FLAGS_audience),
                                         absl::Now(), absl::GetFlag(FLAGS_ttl)},
                      *key);
  if (!token.ok()) {
    std::cerr << "caseworkctl token: " << token.status().message() << "\n";
    return 1;
  }
  std::cout << *token << "\n";
  return 0;
}

}  // namespace casework::ctl
