// CastRecords: the seeded records service of the notification tests.
#include "tests/notification/cast_records.h"

#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/testing/test_tokens.h"

namespace casework::notification::testing {
namespace {

namespace v1 = ::casework::v1;
using Stub = v1::RecordsService::Stub;

grpc::Status SeedTeam(Stub& stub) {
  v1::CreateTeamRequest request;
  request.set_parent("organizations/acme");
  request.set_team_id("t1");
  request.set_request_id("seed-notification-cast");
  v1::Team& team = *request.mutable_team();
  team.set_display_name("Notification test team");
  auto add = [&team](const char* subject, v1::TeamRole role) {
    v1::TeamMember* member = team.add_members();
    member->set_subject(subject);
    member->add_roles(role);
  };
  add("f", v1::TEAM_ROLE_FACILITATOR);
  for (const char* caseworker : {"o", "c1", "c2"}) add(caseworker, v1::TEAM_ROLE_CASEWORKER);
  for (const char* member : {"m1", "m2", "m3", "g"}) add(member, v1::TEAM_ROLE_MEMBER);
  add("s", v1::TEAM_ROLE_SUPERVISOR);
  v1::Team created;
  return casework::testing::Call(stub, &Stub::CreateTeam, casework::testing::AdminToken("acme"),
                                 request, &created);
}

}  // namespace

std::unique_ptr<CastRecords> CastRecords::Start() {
  std::unique_ptr<CastRecords> records(new CastRecords);
  records->dir_ = std::make_unique<casework::testing::TempDir>();
  records->key_file_ = (records->dir_->path() / "hs256.key").string();
  std::ofstream(records->key_file_) << casework::testing::GetTestKeys().hs256.material;
  records->server_ = casework::testing::RecordsTestServer::Start();
  if (records->server_ == nullptr) return nullptr;
  records->port_ = records->server_->port();
  if (grpc::Status seeded = SeedTeam(records->server_->stub()); !seeded.ok()) {
    ADD_FAILURE() << "seeding team t1: " << seeded.error_message();
    return nullptr;
  }
  return records;
}

RecordsClientOptions CastRecords::ClientOptions() const {
  RecordsClientOptions options;
  options.address = absl::StrCat("127.0.0.1:", port_);
  options.hs256_key_file = key_file_;
  options.role = "notification-service";
  options.issuer = casework::testing::kTestIssuer;
  options.audience = casework::testing::kTestAudience;
  return options;
}

std::vector<std::string> CastRecords::BinaryFlags() const {
  return {absl::StrCat("--records_address=127.0.0.1:", port_),
          absl::StrCat("--records_hs256_key_file=", key_file_)};
}

grpc::Status CastRecords::RemoveMember(const std::string& subject) {
  Stub& stub = server_->stub();
  const std::string admin = casework::testing::AdminToken("acme");
  v1::GetTeamRequest get;
  get.set_name(kTeam);
  v1::Team team;
  grpc::Status status = casework::testing::Call(stub, &Stub::GetTeam, admin, get, &team);
  if (!status.ok()) return status;
  v1::UpdateTeamRequest update;
  *update.mutable_team() = team;
  update.mutable_team()->clear_members();
  for (const v1::TeamMember& member : team.members()) {
    if (member.subject() != subject) *update.mutable_team()->add_members() = member;
  }
  update.mutable_update_mask()->add_paths("members");
  update.set_request_id(absl::StrCat("remove-", subject, "-", absl::ToUnixNanos(absl::Now())));
  v1::Team updated;
  return casework::testing::Call(stub, &Stub::UpdateTeam, admin, update, &updated);
}

}  // namespace casework::notification::testing
