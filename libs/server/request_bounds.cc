// See request_bounds.h. A reflection walk over the fields the request sets.
#include "libs/server/request_bounds.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "casework/v1/field_bounds.pb.h"
#include "libs/server/authenticating_credentials.h"
#include "libs/status/errors.h"

namespace casework {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr size_t kMaxListed = 16;

class BoundsWalk {
 public:
  void Check(const Message& message, const std::string& prefix) {
    const Reflection& reflection = *message.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    reflection.ListFields(message, &fields);
    for (const FieldDescriptor* field : fields) {
      const FieldBounds bounds = BoundsOf(*field);
      const std::string path = absl::StrCat(prefix, field->name());
      if (!field->is_repeated()) {
        CheckOne(message, *field, -1, path, bounds);
        continue;
      }
      const int size = reflection.FieldSize(message, field);
      if (bounds.max_items > 0 && static_cast<uint32_t>(size) > bounds.max_items) {
        Add(path, absl::StrCat("has ", size, " entries; the limit is ", bounds.max_items));
        continue;  // its entries are not looked at
      }
      for (int i = 0; i < size; ++i) {
        CheckOne(message, *field, i, absl::StrCat(path, "[", i, "]"), bounds);
      }
    }
  }

  absl::Status ToStatus() && {
    if (violations_.empty()) return absl::OkStatus();
    if (unlisted_ > 0) {
      absl::StrAppend(&violations_.back().description, " (and ", unlisted_,
                      " more fields over their bounds)");
    }
    return InvalidArgument("FIELD_INVALID", std::move(violations_));
  }

 private:
  void CheckOne(const Message& message, const FieldDescriptor& field, int index,
                const std::string& path, const FieldBounds& bounds) {
    const Reflection& reflection = *message.GetReflection();
    if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      Check(index < 0 ? reflection.GetMessage(message, &field)
                      : reflection.GetRepeatedMessage(message, &field, index),
            path + ".");
      return;
    }
    if (field.cpp_type() != FieldDescriptor::CPPTYPE_STRING || bounds.max_bytes == 0) return;
    std::string scratch;
    const std::string& value =
        index < 0 ? reflection.GetStringReference(message, &field, &scratch)
                  : reflection.GetRepeatedStringReference(message, &field, index, &scratch);
    if (value.size() > bounds.max_bytes) {
      Add(path, absl::StrCat("is ", value.size(), " bytes long; the limit is ", bounds.max_bytes,
                             " bytes"));
    }
  }

  void Add(const std::string& path, std::string description) {
    if (violations_.size() >= kMaxListed) {
      ++unlisted_;
      return;
    }
    violations_.push_back({path, std::move(description)});
  }

  std::vector<FieldViolation> violations_;
  size_t unlisted_ = 0;
};

}  // namespace

FieldBounds BoundsOf(const FieldDescriptor& field) {
  if (field.full_name() == "google.protobuf.FieldMask.paths") return {256, 64};
  const casework::v1::FieldBounds& stated = field.options().GetExtension(casework::v1::bounds);
  return {stated.max_bytes(), stated.max_items()};
}

absl::Status CheckRequestBounds(const Message& request) {
  BoundsWalk walk;
  walk.Check(request, "");
  return std::move(walk).ToStatus();
}

absl::StatusOr<casework::v1::Principal> AdmitCall(const grpc::ServerContextBase& context,
                                                  const Message& request) {
  absl::StatusOr<casework::v1::Principal> caller = CallerPrincipal(context);
  if (!caller.ok()) return caller.status();
  if (absl::Status bounded = CheckRequestBounds(request); !bounded.ok()) return bounded;
  return caller;
}

}  // namespace casework
