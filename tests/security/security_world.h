// The resources the security tests aim at, and one well-formed request for every RPC of the three
// services. A request is what an entitled caller would send (current etags, fresh request ids),
// so a missing check shows up as a success, not as a validation error that happens to refuse.
#ifndef TESTS_SECURITY_SECURITY_WORLD_H_
#define TESTS_SECURITY_SECURITY_WORLD_H_

#include <google/protobuf/message.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/security/security_stack.h"

namespace casework::testing {

// Names (and etags) of one organisation's resources.
struct World {
  std::string org;       // "o1"
  std::string org_name;  // "organizations/o1"
  std::string team;      // ".../teams/t1"
  std::string case_name, goal, indicator, meeting, action_item, session_record;
  std::string team_etag, case_etag, goal_etag, indicator_etag, meeting_etag, action_item_etag;
  std::string retention_policy, retention_policy_etag;
  std::string session;     // a running Balint consultation in its hypotheses phase
  std::string phase;       // its current phase id
  std::string hypothesis;  // a hypothesis contribution of that session
  // A running intervision of cw-2 (chair), cw-1 and fac-1: the supervisor and mem-1 are team
  // members who are not its participants.
  std::string private_session, private_phase;
};

// The names `SeedWorld(stack, org)` creates, without creating anything (for a stack where the
// organisation does not exist).
World WorldNames(const std::string& org);

// Seeds organisation "o1" completely (records resources of SeedRecordsWorld, and a session run up
// to its hypotheses phase) and returns what it created. The session part uses the session tests'
// driver, whose cast lives in "o1".
World SeedWorld(SecurityStack& stack);

// The actor of the entry AppendAuditEntries' request carries (to tell it from the services' own).
inline constexpr char kAppendedActor[] = "appended-by-probe";

// A well-formed request of each method (by MethodPath) aimed at `world`'s resources.
using RequestBuilder = std::function<std::unique_ptr<google::protobuf::Message>(const World&)>;
const std::map<std::string, RequestBuilder>& RequestBuilders();

// A caller with a name for test output.
struct Caller {
  std::string name;
  std::string token;
};
// Every kind of caller of organisation `org`: the seeded cast, an outsider and the two service
// identities bound to `org`.
std::vector<Caller> CallersOf(const std::string& org);

}  // namespace casework::testing

#endif  // TESTS_SECURITY_SECURITY_WORLD_H_
