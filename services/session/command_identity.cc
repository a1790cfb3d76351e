#include "services/session/command_identity.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "libs/session_engine/time_util.h"

namespace casework::session {
namespace {

constexpr absl::Duration kDefaultWarningLead = absl::Minutes(2);

}  // namespace

using casework::v1::SessionCommand;
using casework::v1::SessionSnapshot;

std::string Fingerprint(const SessionCommand& command, const casework::v1::Principal& principal) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  command.SerializeToCodedStream(&coded);
  coded.Trim();
  bytes += '\0';
  bytes += principal.subject();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string CommandRequestId(const SessionCommand& command) {
  const google::protobuf::Reflection* reflection = command.GetReflection();
  const google::protobuf::OneofDescriptor* oneof =
      command.GetDescriptor()->FindOneofByName("command");
  const google::protobuf::FieldDescriptor* set =
      reflection->GetOneofFieldDescriptor(command, oneof);
  if (set == nullptr || set->message_type() == nullptr) return "";
  const google::protobuf::Message& request = reflection->GetMessage(command, set);
  const google::protobuf::FieldDescriptor* field =
      request.GetDescriptor()->FindFieldByName("request_id");
  if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return "";
  }
  return request.GetReflection()->GetString(request, field);
}

absl::optional<absl::Time> NextTimerDue(const SessionSnapshot& state) {
  const casework::v1::Session& session = state.session();
  if (session.state() != casework::v1::SESSION_STATE_IN_PROGRESS || !session.has_current_phase() ||
      !session.current_phase().has_deadline()) {
    return absl::nullopt;
  }
  const casework::v1::CurrentPhase& phase = session.current_phase();
  const absl::Time deadline = ToTime(phase.deadline());
  if (!phase.warning_sent()) {
    const absl::Duration lead = state.protocol().has_time_warning_lead()
                                    ? ToDuration(state.protocol().time_warning_lead())
                                    : kDefaultWarningLead;
    return deadline - lead;
  }
  if (!phase.overrun()) return deadline;
  return absl::nullopt;
}

bool RecordOwed(const SessionSnapshot& state) {
  const casework::v1::SessionState s = state.session().state();
  return (s == casework::v1::SESSION_STATE_ENDED || s == casework::v1::SESSION_STATE_CANCELLED) &&
         state.session().session_record().empty();
}

bool Running(const SessionSnapshot& state) {
  const casework::v1::SessionState s = state.session().state();
  return s == casework::v1::SESSION_STATE_IN_PROGRESS || s == casework::v1::SESSION_STATE_PAUSED;
}

}  // namespace casework::session
