// Set-up through the public API, step by step, each failure naming its step.
#include "bench/casework_fixture.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace casework::bench {
namespace {

using casework::v1::SessionService;

absl::Status Check(const grpc::Status& status, const std::string& step) {
  if (status.ok()) return absl::OkStatus();
  return absl::UnknownError(absl::StrCat(step, ": ", Describe(status)));
}

// Resource ids allow lower-case letters, digits and dashes only.
std::string IdSafe(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out += ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : '-';
  }
  return out;
}

}  // namespace

CaseworkFixture::CaseworkFixture(const TokenMinter& minter, const std::string& run_id)
    : minter_(minter),
      run_id_(IdSafe(run_id)),
      organization_(absl::StrCat("bench-", run_id_)),
      team_id_("team-1"),
      team_(absl::StrCat("organizations/", organization_, "/teams/", team_id_)) {}

std::string CaseworkFixture::NextRequestId() {
  return absl::StrCat("setup-", run_id_, "-", ++request_counter_);
}

std::string CaseworkFixture::Token(const std::string& subject, const std::string& role) const {
  return minter_.Mint(subject, organization_, {role}, {team_id_});
}

absl::Status CaseworkFixture::CreateTeam(casework::v1::RecordsService::Stub& records,
                                         int caseworkers, int members) {
  casework::v1::CreateTeamRequest request;
  request.set_parent(absl::StrCat("organizations/", organization_));
  request.set_team_id(team_id_);
  request.set_request_id(NextRequestId());
  casework::v1::Team& team = *request.mutable_team();
  team.set_display_name("Benchmark team");
  auto add = [&team](const std::string& subject, casework::v1::TeamRole role) {
    casework::v1::TeamMember* member = team.add_members();
    member->set_subject(subject);
    member->add_roles(role);
  };
  add("sup", casework::v1::TEAM_ROLE_SUPERVISOR);
  add("fac", casework::v1::TEAM_ROLE_FACILITATOR);
  add("owner", casework::v1::TEAM_ROLE_CASEWORKER);
  for (int i = 0; i < caseworkers; ++i) {
    add(absl::StrCat("cw-", i), casework::v1::TEAM_ROLE_CASEWORKER);
  }
  for (int i = 0; i < members; ++i) add(absl::StrCat("m-", i), casework::v1::TEAM_ROLE_MEMBER);
  casework::v1::Team created;
  const std::string admin = minter_.Mint("admin", organization_, {"admin"}, {});
  return Check(CallBlocking(admin, request, &created,
                            [&records](grpc::ClientContext* c, const auto& r, auto* out) {
                              return records.CreateTeam(c, r, out);
                            }),
               "CreateTeam");
}

absl::StatusOr<std::string> CaseworkFixture::Create(SessionService::Stub& sessions,
                                                    const std::string& creator,
                                                    const std::string& protocol,
                                                    const std::string& session_id) {
  casework::v1::CreateSessionRequest request;
  request.set_parent(team_);
  request.set_session_id(session_id);
  request.set_request_id(NextRequestId());
  request.mutable_session()->set_protocol_id(protocol);
  request.mutable_session()->mutable_scheduled_start_time()->set_seconds(
      absl::ToUnixSeconds(absl::Now()));
  casework::v1::Session created;
  absl::Status status =
      Check(CallBlocking(Token(creator, "member"), request, &created,
                         [&sessions](grpc::ClientContext* c, const auto& r, auto* out) {
                           return sessions.CreateSession(c, r, out);
                         }),
            "CreateSession");
  if (!status.ok()) return status;
  return created.name();
}

absl::Status CaseworkFixture::Join(SessionService::Stub& sessions, const std::string& name,
                                   const std::string& subject, const std::string& role) {
  const std::string token = Token(subject, role);
  casework::v1::SessionCommandResponse response;
  casework::v1::JoinSessionRequest join;
  join.set_name(name);
  join.set_request_id(NextRequestId());
  absl::Status status =
      Check(CallBlocking(token, join, &response,
                         [&sessions](grpc::ClientContext* c, const auto& r, auto* out) {
                           return sessions.JoinSession(c, r, out);
                         }),
            absl::StrCat("JoinSession ", subject));
  if (!status.ok()) return status;
  casework::v1::AcknowledgeAgreementsRequest acknowledge;
  acknowledge.set_name(name);
  acknowledge.set_request_id(NextRequestId());
  acknowledge.add_agreements(casework::v1::AGREEMENT_CONFIDENTIALITY);
  acknowledge.add_agreements(casework::v1::AGREEMENT_DIALOGUE);
  acknowledge.add_agreements(casework::v1::AGREEMENT_INCLUSION);
  return Check(CallBlocking(token, acknowledge, &response,
                            [&sessions](grpc::ClientContext* c, const auto& r, auto* out) {
                              return sessions.AcknowledgeAgreements(c, r, out);
                            }),
               absl::StrCat("AcknowledgeAgreements ", subject));
}

absl::Status CaseworkFixture::AssignRolesAndStart(SessionService::Stub& sessions,
                                                  const std::string& name, const std::string& token,
                                                  const std::string& facilitator,
                                                  const std::string& case_owner) {
  casework::v1::SessionCommandResponse response;
  casework::v1::AssignRolesRequest assign;
  assign.set_name(name);
  assign.set_facilitator(facilitator);
  if (!case_owner.empty()) assign.set_case_owner(case_owner);
  assign.set_request_id(NextRequestId());
  absl::Status status =
      Check(CallBlocking(token, assign, &response,
                         [&sessions](grpc::ClientContext* c, const auto& r, auto* out) {
                           return sessions.AssignRoles(c, r, out);
                         }),
            "AssignRoles");
  if (!status.ok()) return status;
  casework::v1::StartSessionRequest start;
  start.set_name(name);
  start.set_request_id(NextRequestId());
  return Check(CallBlocking(token, start, &response,
                            [&sessions](grpc::ClientContext* c, const auto& r, auto* out) {
                              return sessions.StartSession(c, r, out);
                            }),
               "StartSession");
}

absl::StatusOr<std::string> CaseworkFixture::BalintInQuestions(SessionService::Stub& sessions,
                                                               const std::string& session_id,
                                                               int members) {
  absl::StatusOr<std::string> name = Create(sessions, "fac", "balint-consultation", session_id);
  if (!name.ok()) return name.status();
  std::vector<std::string> cast = {"fac", "owner"};
  for (int i = 0; i < members; ++i) cast.push_back(absl::StrCat("m-", i));
  for (const std::string& subject : cast) {
    if (absl::Status s = Join(sessions, *name, subject, "member"); !s.ok()) return s;
  }
  const std::string fac = Token("fac", "facilitator");
  absl::Status status = AssignRolesAndStart(sessions, *name, fac, "fac", "owner");
  if (!status.ok()) return status;
  casework::v1::AddContributionRequest question;
  question.set_name(*name);
  question.set_request_id(NextRequestId());
  question.mutable_contribution()->set_kind(casework::v1::CONTRIBUTION_KIND_QUESTION);
  question.mutable_contribution()->set_text("How can I rebuild trust with the family?");
  casework::v1::AddContributionResponse added;
  status = Check(CallBlocking(Token("owner", "member"), question, &added,
                              [&sessions](grpc::ClientContext* c, const auto& r, auto* out) {
                                return sessions.AddContribution(c, r, out);
                              }),
                 "AddContribution (case owner's question)");
  if (!status.ok()) return status;
  casework::v1::SessionCommandResponse response;
  casework::v1::AdvancePhaseRequest advance;
  advance.set_name(*name);
  advance.set_expected_phase_id("case_description");
  advance.set_request_id(NextRequestId());
  status = Check(CallBlocking(fac, advance, &response,
                              [&sessions](grpc::ClientContext* c, const auto& r, auto* out) {
                                return sessions.AdvancePhase(c, r, out);
                              }),
                 "AdvancePhase to questions");
  if (!status.ok()) return status;
  return name;
}

absl::StatusOr<std::string> CaseworkFixture::MeetingWithParticipants(SessionService::Stub& sessions,
                                                                     const std::string& session_id,
                                                                     int participants) {
  absl::StatusOr<std::string> name = Create(sessions, "sup", "case-management-meeting", session_id);
  if (!name.ok()) return name.status();
  if (absl::Status s = Join(sessions, *name, "sup", "supervisor"); !s.ok()) return s;
  for (int i = 0; i < participants; ++i) {
    if (absl::Status s = Join(sessions, *name, absl::StrCat("cw-", i), "caseworker"); !s.ok()) {
      return s;
    }
  }
  const std::string sup = Token("sup", "supervisor");
  if (absl::Status s = AssignRolesAndStart(sessions, *name, sup, "sup", ""); !s.ok()) return s;
  return name;
}

}  // namespace casework::bench
