// Parsing and evaluation of the AIP-160 subset.
#include "libs/list_filter/list_filter.h"

#include <google/protobuf/timestamp.pb.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/status/errors.h"

namespace casework {
namespace {

using google::protobuf::FieldDescriptor;

absl::Status Bad(absl::string_view why) {
  return InvalidArgument("FIELD_INVALID", {{"filter", std::string(why)}});
}

// Splits into tokens: words, quoted strings (quotes kept), operators.
absl::StatusOr<std::vector<std::string>> Tokenize(absl::string_view text) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t') {
      ++i;
    } else if (c == '"') {
      size_t end = text.find('"', i + 1);
      if (end == absl::string_view::npos) return Bad("has an unterminated string");
      tokens.emplace_back(text.substr(i, end - i + 1));
      i = end + 1;
    } else if (c == '=' || c == ':') {
      tokens.emplace_back(1, c);
      ++i;
    } else if (c == '!' || c == '<' || c == '>') {
      bool with_eq = i + 1 < text.size() && text[i + 1] == '=';
      if (c == '!' && !with_eq) return Bad("has a '!' that is not part of '!='");
      tokens.emplace_back(text.substr(i, with_eq ? 2 : 1));
      i += with_eq ? 2 : 1;
    } else {
      size_t end = i;
      while (end < text.size() &&
             std::string_view(" \t\"=:!<>").find(text[end]) == std::string_view::npos) {
        ++end;
      }
      tokens.emplace_back(text.substr(i, end - i));
      i = end;
    }
  }
  return tokens;
}

// "ActionItemState" → "ACTION_ITEM_STATE_".
std::string EnumPrefix(absl::string_view type_name) {
  std::string out;
  for (size_t i = 0; i < type_name.size(); ++i) {
    char c = type_name[i];
    if (i > 0 && absl::ascii_isupper(c)) out.push_back('_');
    out.push_back(absl::ascii_toupper(c));
  }
  return out + "_";
}

}  // namespace

absl::StatusOr<ListFilter> ListFilter::Parse(absl::string_view text,
                                             const google::protobuf::Descriptor& type,
                                             const std::vector<std::string>& fields) {
  ListFilter filter;
  absl::StatusOr<std::vector<std::string>> tokens = Tokenize(text);
  if (!tokens.ok()) return tokens.status();
  size_t i = 0;
  while (i < tokens->size()) {
    if (i + 3 > tokens->size()) return Bad("must be comparisons joined with AND");
    const std::string& name = (*tokens)[i];
    const std::string& op = (*tokens)[i + 1];
    std::string value = (*tokens)[i + 2];
    Comparison comparison;
    comparison.field = type.FindFieldByName(name);
    if (comparison.field == nullptr ||
        std::find(fields.begin(), fields.end(), name) == fields.end()) {
      return Bad(absl::StrCat("cannot filter on '", ShortPrefix(name), "'"));
    }
    static const std::pair<const char*, Op> kOps[] = {
        {"=", Op::kEq}, {"!=", Op::kNe}, {"<", Op::kLt}, {"<=", Op::kLe},
        {">", Op::kGt}, {">=", Op::kGe}, {":", Op::kHas}};
    auto found = std::find_if(std::begin(kOps), std::end(kOps),
                              [&](const auto& entry) { return op == entry.first; });
    if (found == std::end(kOps))
      return Bad(absl::StrCat("has an unknown operator '", ShortPrefix(op), "'"));
    comparison.op = found->second;
    if ((comparison.op == Op::kHas) != comparison.field->is_repeated()) {
      return Bad(absl::StrCat("use ':' for repeated fields only ('", name, "')"));
    }
    if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
    switch (comparison.field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_ENUM: {
        const google::protobuf::EnumDescriptor* enum_type = comparison.field->enum_type();
        const auto* enum_value = enum_type->FindValueByName(value);
        if (enum_value == nullptr) {
          enum_value = enum_type->FindValueByName(EnumPrefix(enum_type->name()) + value);
        }
        if (enum_value == nullptr)
          return Bad(absl::StrCat("'", name, "' has no value ", ShortPrefix(value)));
        comparison.number = enum_value->number();
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        if (value != "true" && value != "false")
          return Bad(absl::StrCat(name, " is true or false"));
        comparison.number = value == "true";
        break;
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
        if (!absl::SimpleAtoi(value, &comparison.number)) {
          return Bad(absl::StrCat(name, " needs a number"));
        }
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        comparison.text = value;
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (comparison.field->message_type() != google::protobuf::Timestamp::descriptor()) {
          return Bad(absl::StrCat("cannot filter on '", name, "'"));
        }
        std::string error;
        if (!absl::ParseTime(absl::RFC3339_full, value, &comparison.time, &error)) {
          return Bad(absl::StrCat(name, " needs an RFC 3339 time"));
        }
        break;
      }
      default:
        return Bad(absl::StrCat("cannot filter on '", name, "'"));
    }
    filter.comparisons_.push_back(comparison);
    i += 3;
    if (i < tokens->size()) {
      if ((*tokens)[i] != "AND") return Bad("must be comparisons joined with AND");
      ++i;
      if (i == tokens->size()) return Bad("ends with AND");
    }
  }
  return filter;
}

bool ListFilter::Matches(const google::protobuf::Message& message) const {
  return std::all_of(comparisons_.begin(), comparisons_.end(),
                     [&](const Comparison& c) { return Holds(message, c); });
}

std::optional<std::string> ListFilter::EqualityOn(absl::string_view field) const {
  for (const Comparison& c : comparisons_) {
    if (c.op != Op::kEq || c.field->name() != field) continue;
    if (c.field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) return c.text;
    return absl::StrCat(c.number);
  }
  return std::nullopt;
}

namespace {

template <typename T>
bool Compare(const T& left, const T& right, int op) {
  switch (op) {
    case 0:
      return left == right;
    case 1:
      return left != right;
    case 2:
      return left < right;
    case 3:
      return left <= right;
    case 4:
      return left > right;
    default:
      return left >= right;
  }
}

}  // namespace

bool ListFilter::Holds(const google::protobuf::Message& message, const Comparison& c) const {
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  const FieldDescriptor* field = c.field;
  if (c.op == Op::kHas) {
    const int size = reflection.FieldSize(message, field);
    for (int i = 0; i < size; ++i) {
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM &&
          reflection.GetRepeatedEnumValue(message, field, i) == c.number) {
        return true;
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
          reflection.GetRepeatedString(message, field, i) == c.text) {
        return true;
      }
    }
    return false;
  }
  const int op = static_cast<int>(c.op);
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_ENUM:
      return Compare<int64_t>(reflection.GetEnumValue(message, field), c.number, op);
    case FieldDescriptor::CPPTYPE_BOOL:
      return Compare<int64_t>(reflection.GetBool(message, field) ? 1 : 0, c.number, op);
    case FieldDescriptor::CPPTYPE_INT32:
      return Compare<int64_t>(reflection.GetInt32(message, field), c.number, op);
    case FieldDescriptor::CPPTYPE_INT64:
      return Compare<int64_t>(reflection.GetInt64(message, field), c.number, op);
    case FieldDescriptor::CPPTYPE_STRING:
      return Compare<std::string>(reflection.GetString(message, field), c.text, op);
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      if (!reflection.HasField(message, field)) return false;
      const auto& time =
          static_cast<const google::protobuf::Timestamp&>(reflection.GetMessage(message, field));
      return Compare<absl::Time>(
          absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos()), c.time, op);
    }
    default:
      return false;
  }
}

}  // namespace casework
