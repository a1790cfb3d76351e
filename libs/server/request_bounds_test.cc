// The bounds table, generated from the descriptors: every string, bytes and repeated field that a
// request of the three services can carry has a bound (a new field without one fails here), and
// for each of them a request one byte or one entry over it is refused naming the field and the
// limit, while a request at the bound passes.
#include "libs/server/request_bounds.h"

#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "casework/v1/notification_service.grpc.pb.h"
#include "casework/v1/records_service.grpc.pb.h"
#include "casework/v1/session_service.grpc.pb.h"
#include "gtest/gtest.h"
#include "libs/status/errors.h"

namespace casework {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// One field a request can carry, reached from `request` through `path`.
struct Reached {
  const Descriptor* request;
  std::vector<const FieldDescriptor*> path;
};

bool IsText(const FieldDescriptor& field) {
  return field.cpp_type() == FieldDescriptor::CPPTYPE_STRING;
}

// Every field of every request, each once (from the first request that reaches it).
std::vector<Reached> RequestFields() {
  std::vector<Reached> out;
  std::set<const FieldDescriptor*> seen;
  std::function<void(const Descriptor*, const Descriptor*, std::vector<const FieldDescriptor*>&,
                     std::set<const Descriptor*>&)>
      walk = [&](const Descriptor* request, const Descriptor* type,
                 std::vector<const FieldDescriptor*>& path, std::set<const Descriptor*>& on_path) {
        if (!on_path.insert(type).second) return;
        for (int i = 0; i < type->field_count(); ++i) {
          const FieldDescriptor* field = type->field(i);
          path.push_back(field);
          if (seen.insert(field).second) out.push_back({request, path});
          if (field->message_type() != nullptr) walk(request, field->message_type(), path, on_path);
          path.pop_back();
        }
        on_path.erase(type);
      };
  // Reached through a message of each service's file, so that its generated code is linked.
  const google::protobuf::ServiceDescriptor* services[] = {
      casework::v1::CreateTeamRequest::descriptor()->file()->FindServiceByName("RecordsService"),
      casework::v1::CreateSessionRequest::descriptor()->file()->FindServiceByName("SessionService"),
      casework::v1::WatchSessionRequest::descriptor()->file()->FindServiceByName(
          "NotificationService")};
  for (const google::protobuf::ServiceDescriptor* service : services) {
    EXPECT_NE(service, nullptr);
    if (service == nullptr) continue;
    for (int m = 0; m < service->method_count(); ++m) {
      std::vector<const FieldDescriptor*> path;
      std::set<const Descriptor*> on_path;
      walk(service->method(m)->input_type(), service->method(m)->input_type(), path, on_path);
    }
  }
  return out;
}

std::string PathOf(const std::vector<const FieldDescriptor*>& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : ".", path[i]->name(),
                    path[i]->is_repeated() && i + 1 < path.size() ? "[0]" : "");
  }
  return out;
}

// A request of `reached.request` with the last field of the path at `bytes` bytes (a text) or
// `items` entries (a repeated field; each text entry one byte).
std::unique_ptr<Message> RequestWith(const Reached& reached, size_t bytes, size_t items) {
  std::unique_ptr<Message> request(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(reached.request)->New());
  Message* at = request.get();
  for (size_t i = 0; i + 1 < reached.path.size(); ++i) {
    const FieldDescriptor* step = reached.path[i];
    at = step->is_repeated() ? at->GetReflection()->AddMessage(at, step)
                             : at->GetReflection()->MutableMessage(at, step);
  }
  const FieldDescriptor* field = reached.path.back();
  const google::protobuf::Reflection& reflection = *at->GetReflection();
  if (!field->is_repeated()) {
    reflection.SetString(at, field, std::string(bytes, 'a'));
    return request;
  }
  for (size_t i = 0; i < items; ++i) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        reflection.AddString(at, field, std::string(bytes, 'a'));
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        reflection.AddMessage(at, field);
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        reflection.AddEnumValue(at, field, 0);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        reflection.AddInt32(at, field, 0);
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        reflection.AddInt64(at, field, 0);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        reflection.AddBool(at, field, false);
        break;
      default:
        ADD_FAILURE() << field->full_name() << ": no test values for its type";
        return request;
    }
  }
  return request;
}

TEST(RequestBoundsTest, EveryTextAndRepeatedFieldOfEveryRequestHasABound) {
  std::vector<std::string> missing;
  int bounded = 0;
  for (const Reached& reached : RequestFields()) {
    const FieldDescriptor& field = *reached.path.back();
    if (!IsText(field) && !field.is_repeated()) continue;
    const FieldBounds bounds = BoundsOf(field);
    if ((IsText(field) && bounds.max_bytes == 0) ||
        (field.is_repeated() && bounds.max_items == 0)) {
      missing.push_back(field.full_name());
    } else {
      ++bounded;
    }
  }
  EXPECT_TRUE(missing.empty()) << "fields without a (casework.v1.bounds) option: "
                               << absl::StrJoin(missing, ", ");
  EXPECT_GT(bounded, 250);
  std::printf("FIGURE T3-schema: %d text and repeated request fields, %zu without a bound\n",
              bounded, missing.size());
}

TEST(RequestBoundsTest, OneOverEachBoundIsRefusedNamingTheFieldAndTheLimit) {
  int checked = 0;
  for (const Reached& reached : RequestFields()) {
    const FieldDescriptor& field = *reached.path.back();
    const FieldBounds bounds = BoundsOf(field);
    const std::string path = PathOf(reached.path);
    SCOPED_TRACE(absl::StrCat(reached.request->name(), " ", path));
    if (field.is_repeated() && bounds.max_items > 0) {
      const size_t bytes = IsText(field) ? 1 : 0;
      EXPECT_TRUE(CheckRequestBounds(*RequestWith(reached, bytes, bounds.max_items)).ok());
      absl::Status over = CheckRequestBounds(*RequestWith(reached, bytes, bounds.max_items + 1));
      ASSERT_EQ(over.code(), absl::StatusCode::kInvalidArgument);
      std::optional<google::rpc::BadRequest> bad = GetBadRequest(over);
      ASSERT_TRUE(bad.has_value());
      ASSERT_EQ(bad->field_violations_size(), 1);
      EXPECT_EQ(bad->field_violations(0).field(), path);
      EXPECT_EQ(
          bad->field_violations(0).description(),
          absl::StrCat("has ", bounds.max_items + 1, " entries; the limit is ", bounds.max_items));
      ++checked;
    }
    if (IsText(field) && bounds.max_bytes > 0) {
      EXPECT_TRUE(CheckRequestBounds(*RequestWith(reached, bounds.max_bytes, 1)).ok());
      absl::Status over = CheckRequestBounds(*RequestWith(reached, bounds.max_bytes + 1, 1));
      ASSERT_EQ(over.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_EQ(ErrorReason(over), "FIELD_INVALID");
      std::optional<google::rpc::BadRequest> bad = GetBadRequest(over);
      ASSERT_TRUE(bad.has_value());
      ASSERT_EQ(bad->field_violations_size(), 1);
      EXPECT_EQ(bad->field_violations(0).field(), field.is_repeated() ? path + "[0]" : path);
      EXPECT_EQ(bad->field_violations(0).description(),
                absl::StrCat("is ", bounds.max_bytes + 1, " bytes long; the limit is ",
                             bounds.max_bytes, " bytes"));
      ++checked;
    }
  }
  EXPECT_GT(checked, 250);
  std::printf("FIGURE T3-table: %d bounds each refused one over and accepted at the bound\n",
              checked);
}

TEST(RequestBoundsTest, ManyViolationsAreListedUpToSixteenAndCounted) {
  casework::v1::AppendAuditEntriesRequest request;
  for (int i = 0; i < 20; ++i) {
    request.add_audit_entries()->set_actor(std::string(100'000, 'a'));
  }
  absl::Status status = CheckRequestBounds(request);
  std::optional<google::rpc::BadRequest> bad = GetBadRequest(status);
  ASSERT_TRUE(bad.has_value());
  ASSERT_EQ(bad->field_violations_size(), 16);
  EXPECT_EQ(bad->field_violations(0).field(), "audit_entries[0].actor");
  EXPECT_TRUE(absl::StrContains(bad->field_violations(15).description(),
                                "(and 4 more fields over their bounds)"))
      << bad->field_violations(15).description();
  // The error never carries the input: a few hundred bytes for 2 MB of it.
  EXPECT_LT(status.message().size(), 2048u);
}

TEST(RequestBoundsTest, FieldMaskPathsHaveTheirBuiltInBounds) {
  casework::v1::UpdateTeamRequest request;
  for (int i = 0; i < 65; ++i) request.mutable_update_mask()->add_paths("display_name");
  EXPECT_EQ(GetBadRequest(CheckRequestBounds(request))->field_violations(0).field(),
            "update_mask.paths");
  request.mutable_update_mask()->clear_paths();
  request.mutable_update_mask()->add_paths(std::string(257, 'a'));
  EXPECT_EQ(GetBadRequest(CheckRequestBounds(request))->field_violations(0).field(),
            "update_mask.paths[0]");
}

}  // namespace
}  // namespace casework
