// Command-line arguments → request message, by reflection.
#include "tools/caseworkctl/request_builder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace casework::ctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status Bad(const std::string& path, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
}

absl::StatusOr<absl::Time> ParseTime(absl::string_view text) {
  if (absl::StartsWith(text, "now")) {
    absl::Duration offset = absl::ZeroDuration();
    absl::string_view rest = text.substr(3);
    if (!rest.empty()) {
      const bool minus = rest[0] == '-';
      if ((rest[0] != '+' && !minus) || !absl::ParseDuration(rest.substr(1), &offset)) {
        return absl::InvalidArgumentError("write now, now+2h or now-30m");
      }
      if (minus) offset = -offset;
    }
    return absl::Now() + offset;
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &time, &error)) {
    return absl::InvalidArgumentError("expected RFC 3339 (2030-01-07T09:00:00Z) or now+1h");
  }
  return time;
}

// Sets a message-typed leaf that takes a scalar spelling (Timestamp, Duration).
absl::Status SetWellKnown(Message* target, absl::string_view value, const std::string& path) {
  const std::string& type = target->GetDescriptor()->full_name();
  if (type == "google.protobuf.Timestamp") {
    absl::StatusOr<absl::Time> time = ParseTime(value);
    if (!time.ok()) return Bad(path, std::string(time.status().message()));
    auto* ts = static_cast<google::protobuf::Timestamp*>(target);
    const int64_t nanos = absl::ToUnixNanos(*time);
    ts->set_seconds(nanos / 1000000000);
    ts->set_nanos(static_cast<int32_t>(nanos % 1000000000));
    return absl::OkStatus();
  }
  if (type == "google.protobuf.Duration") {
    absl::Duration d;
    if (!absl::ParseDuration(value, &d)) return Bad(path, "expected a duration like 90s or 15m");
    auto* out = static_cast<google::protobuf::Duration*>(target);
    out->set_seconds(absl::ToInt64Seconds(d));
    out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(d % absl::Seconds(1))));
    return absl::OkStatus();
  }
  return Bad(path, "set its fields one by one (path.field=value) or use --data");
}

absl::Status SetScalar(Message* message, const FieldDescriptor* field, absl::string_view value,
                       const std::string& path) {
  const Reflection* r = message->GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      repeated ? r->AddString(message, field, std::string(value))
               : r->SetString(message, field, std::string(value));
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool b;
      if (!absl::SimpleAtob(value, &b)) return Bad(path, "expected true or false");
      repeated ? r->AddBool(message, field, b) : r->SetBool(message, field, b);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64: {
      int64_t n;
      if (!absl::SimpleAtoi(value, &n)) return Bad(path, "expected a whole number");
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
        repeated ? r->AddInt32(message, field, static_cast<int32_t>(n))
                 : r->SetInt32(message, field, static_cast<int32_t>(n));
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
        repeated ? r->AddInt64(message, field, n) : r->SetInt64(message, field, n);
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_UINT32) {
        repeated ? r->AddUInt32(message, field, static_cast<uint32_t>(n))
                 : r->SetUInt32(message, field, static_cast<uint32_t>(n));
      } else {
        repeated ? r->AddUInt64(message, field, static_cast<uint64_t>(n))
                 : r->SetUInt64(message, field, static_cast<uint64_t>(n));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double d;
      if (!absl::SimpleAtod(value, &d)) return Bad(path, "expected a number");
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        repeated ? r->AddDouble(message, field, d) : r->SetDouble(message, field, d);
      } else {
        repeated ? r->AddFloat(message, field, static_cast<float>(d))
                 : r->SetFloat(message, field, static_cast<float>(d));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const google::protobuf::EnumDescriptor* type = field->enum_type();
      const std::string upper = absl::AsciiStrToUpper(value);
      const google::protobuf::EnumValueDescriptor* found = type->FindValueByName(upper);
      if (found == nullptr) {
        // The values' common prefix, e.g. CONTRIBUTION_KIND_ for QUESTION.
        const std::string first = type->value(0)->name();
        const std::string prefix = first.substr(0, first.rfind("UNSPECIFIED"));
        found = type->FindValueByName(prefix + upper);
      }
      if (found == nullptr) {
        std::string names;
        for (int i = 1; i < type->value_count(); ++i) {
          absl::StrAppend(&names, i > 1 ? ", " : "", type->value(i)->name());
        }
        return Bad(path, absl::StrCat("one of ", names));
      }
      repeated ? r->AddEnumValue(message, field, found->number())
               : r->SetEnumValue(message, field, found->number());
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* target =
          repeated ? r->AddMessage(message, field) : r->MutableMessage(message, field);
      return SetWellKnown(target, value, path);
    }
  }
  return Bad(path, "unsupported field type");
}

absl::Status Assign(Message* message, absl::string_view assignment) {
  const size_t eq = assignment.find('=');
  if (eq == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", assignment, "' is not field=value (see --help for the fields)"));
  }
  const std::string path(assignment.substr(0, eq));
  const absl::string_view value = assignment.substr(eq + 1);
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  Message* target = message;
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* field = target->GetDescriptor()->FindFieldByName(parts[i]);
    if (field == nullptr) {
      return Bad(path,
                 absl::StrCat("no field '", parts[i], "' in ", target->GetDescriptor()->name()));
    }
    const bool last = i + 1 == parts.size();
    if (last) return SetScalar(target, field, value, path);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return Bad(path, absl::StrCat("'", parts[i], "' has no fields"));
    }
    const Reflection* r = target->GetReflection();
    if (field->is_repeated()) {
      // path.to.list.field=v adds to the last element; a new element starts when its first
      // field is set again.
      const int size = r->FieldSize(*target, field);
      Message* element = size == 0 ? nullptr : r->MutableRepeatedMessage(target, field, size - 1);
      const FieldDescriptor* next = field->message_type()->FindFieldByName(parts[i + 1]);
      if (element == nullptr || (next != nullptr && !next->is_repeated() && i + 2 == parts.size() &&
                                 element->GetReflection()->HasField(*element, next))) {
        element = r->AddMessage(target, field);
      }
      target = element;
    } else {
      target = r->MutableMessage(target, field);
    }
  }
  return absl::OkStatus();
}

void Describe(const Descriptor& type, const std::string& prefix, int depth, std::string* out) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    const std::string path = prefix + field->name();
    std::string kind;
    if (field->enum_type() != nullptr) {
      kind = field->enum_type()->name();
    } else if (field->message_type() != nullptr) {
      kind = field->message_type()->name();
    } else {
      kind = field->cpp_type_name();
    }
    absl::StrAppend(out, "  ", path, field->is_repeated() ? "  (repeated " : "  (", kind, ")\n");
    const Descriptor* nested = field->message_type();
    if (nested != nullptr && depth < 2 && nested->file()->package() == "casework.v1") {
      Describe(*nested, path + ".", depth + 1, out);
    }
  }
}

}  // namespace

absl::Status BuildRequest(const std::string& json, const std::vector<std::string>& assignments,
                          google::protobuf::Message* request) {
  if (!json.empty()) {
    google::protobuf::util::JsonParseOptions options;
    auto parsed = google::protobuf::util::JsonStringToMessage(json, request, options);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--data: ", parsed.ToString()));
    }
  }
  for (const std::string& assignment : assignments) {
    if (absl::Status s = Assign(request, assignment); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string DescribeFields(const google::protobuf::Descriptor& type) {
  std::string out;
  Describe(type, "", 0, &out);
  return out;
}

}  // namespace casework::ctl
