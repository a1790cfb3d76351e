// Formatting of results and errors.
#include "tools/caseworkctl/output.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

extern const char kErrorsProto[];

namespace casework::ctl {
namespace {

const char* CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i <= 16 ? kNames[i] : "UNKNOWN";
}

// The comment lines above `ERROR_REASON_<reason> =` in errors.proto, joined.
std::string ExplainReason(const std::string& reason) {
  std::vector<absl::string_view> lines = absl::StrSplit(kErrorsProto, '\n');
  const std::string wanted = absl::StrCat("ERROR_REASON_", reason, " =");
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!absl::StrContains(lines[i], wanted)) continue;
    std::vector<std::string> comment;
    for (size_t j = i; j > 0; --j) {
      absl::string_view line = absl::StripAsciiWhitespace(lines[j - 1]);
      if (!absl::ConsumePrefix(&line, "//")) break;
      comment.insert(comment.begin(), std::string(absl::StripAsciiWhitespace(line)));
    }
    return absl::StrJoin(comment, " ");
  }
  return "";
}

google::rpc::Status Details(const grpc::Status& status) {
  google::rpc::Status details;
  if (!status.error_details().empty()) details.ParseFromString(status.error_details());
  return details;
}

std::string Time(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%H:%M:%S", absl::FromUnixSeconds(ts.seconds()), absl::UTCTimeZone());
}

}  // namespace

std::string FormatMessage(const google::protobuf::Message& message, bool json) {
  std::string out;
  if (json) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(message, &out, options);
    return out;
  }
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);
  printer.PrintToString(message, &out);
  return out;
}

std::string FormatEvent(const casework::v1::SessionEvent& event, bool json) {
  if (json) {
    std::string out;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(event, &out, options);
    return out;
  }
  const auto* oneof = event.GetDescriptor()->FindOneofByName("payload");
  const auto* field = event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  std::string payload;
  if (field != nullptr) {
    google::protobuf::TextFormat::Printer printer;
    printer.SetSingleLineMode(true);
    printer.SetUseUtf8StringEscaping(true);
    printer.PrintToString(event.GetReflection()->GetMessage(event, field), &payload);
  }
  return absl::StrCat("#", event.sequence(), "  ", Time(event.event_time()), "  ",
                      event.actor().empty() ? "-" : event.actor(), "  ",
                      field == nullptr ? "?" : field->name(), "  ",
                      absl::StripAsciiWhitespace(payload));
}

std::string FormatOrganizationEvent(const casework::v1::OrganizationEvent& event, bool json) {
  if (json) return FormatMessage(event, true);
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.SetUseUtf8StringEscaping(true);
  std::string text;
  printer.PrintToString(event, &text);
  return text;
}

absl::StatusOr<std::string> FieldValue(const google::protobuf::Message& message,
                                       const std::string& path) {
  const google::protobuf::Message* current = &message;
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto* field = current->GetDescriptor()->FindFieldByName(parts[i]);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("no field '", parts[i], "' in ", current->GetDescriptor()->name()));
    }
    const google::protobuf::Reflection* r = current->GetReflection();
    if (i + 1 < parts.size()) {
      if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE ||
          field->is_repeated()) {
        return absl::InvalidArgumentError(absl::StrCat("'", parts[i], "' has no fields to pick"));
      }
      current = &r->GetMessage(*current, field);
      continue;
    }
    std::string out;
    const int count = field->is_repeated() ? r->FieldSize(*current, field) : 1;
    for (int j = 0; j < count; ++j) {
      std::string value;
      google::protobuf::TextFormat::Printer printer;
      printer.SetUseUtf8StringEscaping(true);
      if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
        value = field->is_repeated() ? r->GetRepeatedString(*current, field, j)
                                     : r->GetString(*current, field);
      } else if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_ENUM) {
        value = field->is_repeated() ? r->GetRepeatedEnum(*current, field, j)->name()
                                     : r->GetEnum(*current, field)->name();
      } else {
        printer.PrintFieldValueToString(*current, field, field->is_repeated() ? j : -1, &value);
      }
      absl::StrAppend(&out, j > 0 ? "\n" : "", value);
    }
    return out;
  }
  return absl::InvalidArgumentError("empty path");
}

std::string ReasonOf(const grpc::Status& status) {
  const google::rpc::Status details = Details(status);
  for (const google::protobuf::Any& detail : details.details()) {
    google::rpc::ErrorInfo info;
    if (detail.UnpackTo(&info)) return info.reason();
  }
  return "";
}

std::string FormatError(const grpc::Status& status) {
  std::string out =
      absl::StrCat("refused: ", CodeName(status.error_code()), ": ", status.error_message(), "\n");
  const google::rpc::Status details = Details(status);
  for (const google::protobuf::Any& detail : details.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad;
    if (detail.UnpackTo(&info)) {
      absl::StrAppend(&out, "  reason: ", info.reason(), "\n");
      const std::string why = ExplainReason(info.reason());
      if (!why.empty()) absl::StrAppend(&out, "  what it means: ", why, "\n");
      for (const auto& [key, value] : info.metadata()) {
        absl::StrAppend(&out, "  ", key, ": ", value, "\n");
      }
    } else if (detail.UnpackTo(&bad)) {
      for (const auto& violation : bad.field_violations()) {
        absl::StrAppend(&out, "  field ", violation.field(), ": ", violation.description(), "\n");
      }
    }
  }
  return out;
}

}  // namespace casework::ctl
