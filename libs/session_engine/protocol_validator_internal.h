// The walk behind protocol_validator.h, shared by protocol_validator.cc (template-wide checks)
// and phase_validator.cc (phases, permissions, exit criteria). Not part of the engine's API.
#ifndef LIBS_SESSION_ENGINE_PROTOCOL_VALIDATOR_INTERNAL_H_
#define LIBS_SESSION_ENGINE_PROTOCOL_VALIDATOR_INTERNAL_H_

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "casework/v1/protocol.pb.h"
#include "libs/session_engine/protocol_validator.h"

namespace casework::session::internal {

// 1-63 lower-case letters, digits and `separator`.
bool IsId(const std::string& id, char separator);
bool ValidRole(int role);
bool ValidKind(int kind);

// Walks a template depth-first; the first failure records its path and stops the walk. Every
// check returns false once an issue is recorded.
class TemplateValidator {
 public:
  std::optional<ProtocolIssue> Run(const casework::v1::ProtocolTemplate& protocol);

 private:
  // Pushes one path element for the lifetime of the scope.
  class Scope {
   public:
    Scope(TemplateValidator* validator, std::string field, int index = -1);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    TemplateValidator* validator_;
  };

  bool Fail(std::string field, int index, std::string reason);
  bool Fail(std::string field, std::string reason) {
    return Fail(std::move(field), -1, std::move(reason));
  }

  // protocol_validator.cc
  bool Header();
  bool Limits();
  bool SessionBounds();
  bool RoleRules();
  bool Agreements();
  bool Checks();
  bool EnglishCoversModes(const casework::v1::ContentChecks& checks);
  bool Language(const casework::v1::LanguagePatterns& language);
  bool Patterns(const google::protobuf::RepeatedPtrField<casework::v1::TextPattern>& patterns,
                const std::string& field);
  bool IdentifyingList(
      const google::protobuf::RepeatedPtrField<casework::v1::IdentifyingPattern>& list);
  bool Identifying(const casework::v1::IdentifyingPattern& pattern);
  bool Segments();

  // phase_validator.cc
  bool Phases(const google::protobuf::RepeatedPtrField<casework::v1::PhaseTemplate>& phases,
              const std::string& field, bool top_level);
  bool Phase(const casework::v1::PhaseTemplate& phase, bool top_level);
  bool Timebox(const casework::v1::PhaseTemplate& phase);
  bool MeetingFields(const casework::v1::PhaseTemplate& phase);
  bool Permissions(const casework::v1::PhaseTemplate& phase);
  bool Permission(const casework::v1::PhaseTemplate& phase,
                  const casework::v1::PhasePermission& permission,
                  std::set<std::pair<int, int>>* granted);
  bool Criteria(const casework::v1::PhaseTemplate& phase);
  bool Criterion(const casework::v1::PhaseTemplate& phase,
                 const casework::v1::ExitCriterion& criterion);

  const casework::v1::ProtocolTemplate* protocol_ = nullptr;
  absl::Duration lead_;
  std::vector<FieldPathElement> path_;
  std::optional<ProtocolIssue> issue_;
};

}  // namespace casework::session::internal

#endif  // LIBS_SESSION_ENGINE_PROTOCOL_VALIDATOR_INTERNAL_H_
