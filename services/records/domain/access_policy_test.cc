// The need-to-know rules and the field-visibility matrix of docs/ACCESS.md ("Fields"), as a table:
// one row per kind of viewer, one column per restricted field.
#include "services/records/domain/access_policy.h"

#include "gtest/gtest.h"
#include "libs/status/errors.h"

namespace casework::records {
namespace {

using casework::v1::Principal;

Principal Caller(const std::string& subject, std::vector<std::string> teams,
                 std::vector<std::string> roles = {}) {
  Principal p;
  p.set_subject(subject);
  p.set_organization("o");
  for (auto& team : teams) p.add_teams(team);
  for (auto& role : roles) p.add_roles(role);
  return p;
}

casework::v1::Team TheTeam() {
  casework::v1::Team team;
  team.set_name("organizations/o/teams/t");
  auto add = [&](const char* subject, casework::v1::TeamRole role) {
    auto* member = team.add_members();
    member->set_subject(subject);
    member->add_roles(role);
  };
  add("sup", casework::v1::TEAM_ROLE_SUPERVISOR);
  add("cw", casework::v1::TEAM_ROLE_CASEWORKER);
  add("cw2", casework::v1::TEAM_ROLE_CASEWORKER);
  add("mem", casework::v1::TEAM_ROLE_MEMBER);
  return team;
}

TEST(AccessPolicyTest, TeamRightsNeedBothTheTokenClaimAndTheMemberList) {
  const casework::v1::Team team = TheTeam();
  EXPECT_TRUE(StandingIn(Caller("cw", {"t"}), team).member);
  EXPECT_TRUE(StandingIn(Caller("cw", {"t"}), team).caseworker);
  EXPECT_FALSE(StandingIn(Caller("cw", {}), team).member);           // not in the JWT claim
  EXPECT_FALSE(StandingIn(Caller("stranger", {"t"}), team).member);  // not on the list
  EXPECT_TRUE(StandingIn(Caller("sup", {"t"}), team).supervisor);
}

TEST(AccessPolicyTest, OrganisationsAreSeparateExceptForWildcardServiceIdentities) {
  Principal user = Caller("u", {}, {"admin"});
  EXPECT_TRUE(ActsInOrganization(user, "o"));
  EXPECT_FALSE(ActsInOrganization(user, "o2"));
  Principal wildcard = Caller("svc", {}, {"session-service"});
  wildcard.set_organization("*");
  EXPECT_TRUE(ActsInOrganization(wildcard, "o2"));
  Principal forged = Caller("u", {}, {"admin"});
  forged.set_organization("*");
  EXPECT_FALSE(ActsInOrganization(forged, "o"));  // "*" means nothing without a service role
}

// Field visibility: which viewer sees which restricted field.
TEST(AccessPolicyTest, FieldVisibilityMatrix) {
  struct Row {
    std::string viewer;
    bool caseworker_ids_in_review;  // CaseLoadReview.caseworker_loads[].caseworker
    bool action_item_case;          // ActionItem.case (an item raised from cw's case)
    bool case_record;               // Case (of cw)
    bool session_record;            // SessionRecord (participants: cw), released
    bool withheld_session_record;   // the same record withheld by its participants
  };
  const Row rows[] = {
      {"sup", true, true, true, true, false},
      {"cw", false, true, true, true, true},
      {"cw2", false, false, false, false, false},
      {"mem", false, false, false, false, false},
  };
  const casework::v1::Team team = TheTeam();
  casework::v1::Case case_of_cw;
  case_of_cw.set_caseworker("cw");
  casework::v1::SessionRecord record;
  record.add_participants("cw");
  record.set_release_outcome(casework::v1::RELEASE_OUTCOME_RELEASED);
  casework::v1::SessionRecord withheld = record;
  withheld.set_release_outcome(casework::v1::RELEASE_OUTCOME_WITHHELD);
  casework::v1::SessionRecord unballoted = record;
  unballoted.clear_release_outcome();  // stored before ballots existed: read as withheld
  for (const Row& row : rows) {
    const Principal viewer = Caller(row.viewer, {"t"});
    const TeamStanding standing = StandingIn(viewer, team);

    casework::v1::CaseLoadReview review;
    review.add_caseworker_loads()->set_caseworker("cw");
    RedactCaseLoadReview(standing, review);
    EXPECT_EQ(!review.caseworker_loads(0).caseworker().empty(), row.caseworker_ids_in_review)
        << row.viewer;

    casework::v1::ActionItem item;
    item.set_case_("organizations/o/teams/t/cases/c");
    RedactActionItem(viewer, standing, "cw", item);
    EXPECT_EQ(item.has_case_(), row.action_item_case) << row.viewer;

    EXPECT_EQ(MayReadCase(viewer, standing, case_of_cw), row.case_record) << row.viewer;
    EXPECT_EQ(MayReadSessionRecord(viewer, standing, record), row.session_record) << row.viewer;
    EXPECT_EQ(MayReadSessionRecord(viewer, standing, withheld), row.withheld_session_record)
        << row.viewer;
    EXPECT_EQ(MayReadSessionRecord(viewer, standing, unballoted), row.withheld_session_record)
        << row.viewer;
  }
}

TEST(AccessPolicyTest, NotFoundNamesOnlyWhatWasAsked) {
  absl::Status missing = NotFound("organizations/o2/teams/t/cases/c");
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorReason(missing), "RESOURCE_NOT_FOUND");
  EXPECT_EQ(GetErrorInfo(missing)->metadata().at("resource"), "organizations/o2/teams/t/cases/c");
}

}  // namespace
}  // namespace casework::records
