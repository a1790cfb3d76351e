// Ready-made sessions for the engine's tests.
#include "libs/session_engine/testing/scenarios.h"

#include "libs/status/status_macros.h"

namespace casework::session::testing {

absl::Status BalintLobby(EngineHarness& h) {
  CASEWORK_RETURN_IF_ERROR(h.Create("balint-consultation"));
  return h.SetUpLobby("f", "o", {"m1", "m2", "m3"});
}

absl::Status BalintAt(EngineHarness& h, absl::string_view phase_id) {
  CASEWORK_RETURN_IF_ERROR(BalintLobby(h));
  CASEWORK_RETURN_IF_ERROR(h.Start("f"));
  while (h.current_phase() != phase_id) {
    const std::string phase = h.current_phase();
    if (phase == "case_description") {
      CASEWORK_RETURN_IF_ERROR(
          h.Add("o", v1::CONTRIBUTION_KIND_QUESTION, "How can I rebuild trust?"));
    } else if (phase == "hypotheses") {
      CASEWORK_RETURN_IF_ERROR(h.Add("m1", v1::CONTRIBUTION_KIND_HYPOTHESIS, "Loyalty conflict"));
    } else if (phase == "feedback") {
      CASEWORK_RETURN_IF_ERROR(h.Respond("o", h.LastContribution(), v1::HYPOTHESIS_RESPONSE_AGREE));
    }
    h.AdvanceClock(absl::Minutes(5));
    CASEWORK_RETURN_IF_ERROR(h.Advance("f", phase));
  }
  return absl::OkStatus();
}

absl::Status IntervisionAt(EngineHarness& h, absl::string_view step_id) {
  CASEWORK_RETURN_IF_ERROR(h.Create("intervision"));
  CASEWORK_RETURN_IF_ERROR(h.SetUpLobby("f", "", {"m1", "m2", "m3", "g"}));
  CASEWORK_RETURN_IF_ERROR(h.Start("f"));
  while (h.current_phase() != step_id) {
    const std::string step = h.current_phase();
    if (step == "inventory") {
      CASEWORK_RETURN_IF_ERROR(h.Add("g", v1::CONTRIBUTION_KIND_CASE_STATEMENT, "A dilemma"));
    } else if (step == "choose") {
      CASEWORK_RETURN_IF_ERROR(h.AssignRoles("f", "", "g"));
    } else if (step == "state_problem") {
      CASEWORK_RETURN_IF_ERROR(h.Add("g", v1::CONTRIBUTION_KIND_QUESTION, "How do I say no?"));
    } else if (step == "judge_advise") {
      for (const char* member : {"m1", "m2", "m3"}) {
        CASEWORK_RETURN_IF_ERROR(h.Add(member, v1::CONTRIBUTION_KIND_ADVICE, "Name the limit"));
      }
    }
    h.AdvanceClock(absl::Minutes(5));
    CASEWORK_RETURN_IF_ERROR(h.Advance("f", step));
  }
  return absl::OkStatus();
}

absl::Status MeetingStarted(EngineHarness& h, absl::string_view protocol_id,
                            v1::Session requested) {
  h.SetTeamRoles("sup", {v1::TEAM_ROLE_SUPERVISOR});
  CASEWORK_RETURN_IF_ERROR(h.Create(protocol_id, std::move(requested)));
  CASEWORK_RETURN_IF_ERROR(h.SetUpLobby("sup", "", {"c1", "c2", "c3"}));
  return h.Start("sup");
}

}  // namespace casework::session::testing
