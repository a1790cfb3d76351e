// Puts the services into the state a scenario measures, through their public API only: a team in
// the records service, Balint consultations already in their questions phase (AddContribution),
// a case-management meeting with K participants (WatchSession). Set-up is sequential and
// blocking; it is never part of a measured window.
#ifndef BENCH_CASEWORK_FIXTURE_H_
#define BENCH_CASEWORK_FIXTURE_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/grpc_client.h"
#include "casework/v1/records_service.grpc.pb.h"
#include "casework/v1/session_service.grpc.pb.h"

namespace casework::bench {

class CaseworkFixture {
 public:
  static constexpr int kBalintMembers = 3;

  // `run_id` makes the organisation's ids unique, so repeated runs share one Redis and database.
  CaseworkFixture(const TokenMinter& minter, const std::string& run_id);

  const std::string& organization() const { return organization_; }
  const std::string& team() const { return team_; }      // organizations/{org}/teams/{team}
  const std::string& run_id() const { return run_id_; }  // usable inside resource ids

  // A token of `subject` in the organisation, in the team's JWT `teams` claim.
  std::string Token(const std::string& subject, const std::string& role) const;

  // Creates the team in the records service: supervisor "sup", facilitator "fac", case owner
  // "owner", caseworkers "cw-0".."cw-<caseworkers-1>" and members "m-0".."m-<members-1>".
  absl::Status CreateTeam(casework::v1::RecordsService::Stub& records, int caseworkers,
                          int members);

  // Thread-safe: set-up may build several sessions at once.
  // A Balint consultation with facilitator "fac", case owner "owner" and members m-0.. (3–10),
  // started, the case owner's question asked, advanced to phase "questions" where members ask
  // clarifying questions. Returns the session's name.
  absl::StatusOr<std::string> BalintInQuestions(casework::v1::SessionService::Stub& sessions,
                                                const std::string& session_id,
                                                int members = kBalintMembers);

  // A case-management meeting chaired by "sup" with caseworkers cw-0..cw-<participants-1>
  // joined, started (phase "opening"). Returns the session's name.
  absl::StatusOr<std::string> MeetingWithParticipants(casework::v1::SessionService::Stub& sessions,
                                                      const std::string& session_id,
                                                      int participants);

 private:
  // Assigns the facilitator (and the case owner, unless empty) and starts the session, as `token`.
  absl::Status AssignRolesAndStart(casework::v1::SessionService::Stub& sessions,
                                   const std::string& name, const std::string& token,
                                   const std::string& facilitator, const std::string& case_owner);
  absl::StatusOr<std::string> Create(casework::v1::SessionService::Stub& sessions,
                                     const std::string& creator, const std::string& protocol,
                                     const std::string& session_id);
  absl::Status Join(casework::v1::SessionService::Stub& sessions, const std::string& name,
                    const std::string& subject, const std::string& role);

  const TokenMinter& minter_;
  std::string run_id_;
  std::string organization_;
  std::string team_id_;
  std::string team_;
  std::atomic<int64_t> request_counter_{0};
  std::string NextRequestId();
};

}  // namespace casework::bench

#endif  // BENCH_CASEWORK_FIXTURE_H_
