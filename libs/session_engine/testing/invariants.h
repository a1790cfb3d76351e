// The invariants the model-based test and the fuzzer check after every command: contiguous
// sequences, no contribution outside its phase or role, sealed text never in another viewer's
// projection before its reveal, at most one warning and one overrun per phase (exactly one once
// due), refusals with a valid ErrorInfo reason, and the fold of the log equal to the state.
#ifndef LIBS_SESSION_ENGINE_TESTING_INVARIANTS_H_
#define LIBS_SESSION_ENGINE_TESTING_INVARIANTS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "casework/v1/session_command.pb.h"
#include "casework/v1/session_event.pb.h"

namespace casework::session::testing {

namespace v1 = ::casework::v1;

class InvariantChecker {
 public:
  // Checks one decision (the session `before` → the state `after`); returns "" or what went
  // wrong. Accepted events are appended to the checker's log. Only the session is needed from
  // before the command: the pinned template never changes after creation.
  std::string CheckStep(const v1::Session& before, const v1::SessionCommand& command,
                        const std::string& subject, absl::Time now,
                        const absl::StatusOr<std::vector<v1::SessionEvent>>& result,
                        const v1::SessionSnapshot& after);

  // "" when the fold of every accepted event equals `state`.
  std::string CheckFold(const v1::SessionSnapshot& state) const;

  const std::vector<v1::SessionEvent>& log() const { return log_; }

 private:
  std::string CheckRefusal(const absl::Status& status) const;
  std::string CheckContribution(const v1::Session& before, const v1::ProtocolTemplate& protocol,
                                const v1::Contribution& contribution) const;
  std::string CheckTimers(const v1::Session& before, const v1::SessionCommand& command,
                          absl::Time now, const v1::SessionSnapshot& after) const;
  std::string CheckSealed(const v1::SessionSnapshot& after,
                          const std::vector<v1::SessionEvent>& events) const;

  std::vector<v1::SessionEvent> log_;
  std::map<std::string, int> warnings_;  // per phase id
  std::map<std::string, int> overruns_;
};

}  // namespace casework::session::testing

#endif  // LIBS_SESSION_ENGINE_TESTING_INVARIANTS_H_
