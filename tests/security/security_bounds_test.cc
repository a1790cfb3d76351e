// Issue 19, bounds everywhere, on the real binaries and every method of the three services (from
// the compiled-in descriptors):
//  - a body that does not parse answers INVALID_ARGUMENT REQUEST_UNPARSEABLE naming the request
//    message, and the metrics count it as InvalidArgument (gRPC's own answer was UNIMPLEMENTED with
//    an empty message, counted as Unimplemented);
//  - a request with a field over its bound answers INVALID_ARGUMENT naming the field and the
//    limit, in a few hundred bytes whatever the input's size, and changes nothing;
//  - a name with an escaped separator is not a name.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/client_unary_call.h>

#include <cstdio>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_status.h"
#include "libs/server/request_bounds.h"
#include "libs/status/errors.h"
#include "tests/security/security_stack.h"
#include "tests/session/session_test_support.h"

namespace casework::testing {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

// grpc_server_handled_total of `method` with `code` on a /metrics page (-1 when absent).
double Handled(const std::string& metrics, const MethodDescriptor* method,
               const std::string& code) {
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (!absl::StartsWith(line, "grpc_server_handled_total{") ||
        !absl::StrContains(line, absl::StrCat("grpc_code=\"", code, "\"")) ||
        !absl::StrContains(line, absl::StrCat("grpc_method=\"", method->name(), "\"")) ||
        !absl::StrContains(line,
                           absl::StrCat("grpc_service=\"", method->service()->full_name(), "\""))) {
      continue;
    }
    double value = -1;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) return value;
  }
  return -1;
}

// The raw body `body` sent to `method`; the call's status.
grpc::Status SendRaw(const std::shared_ptr<grpc::Channel>& channel, const MethodDescriptor* method,
                     const std::string& token, const std::string& body) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", Bearer(token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1);
  const std::string path = MethodPath(method);
  if (!method->server_streaming()) {
    grpc::ByteBuffer response;
    grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::NORMAL_RPC);
    return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel.get(), rpc, &context, request, &response);
  }
  grpc::internal::RpcMethod rpc(path.c_str(), grpc::internal::RpcMethod::SERVER_STREAMING);
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
      grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(channel.get(), rpc, &context,
                                                                    request));
  grpc::ByteBuffer frame;
  while (reader->Read(&frame)) {
  }
  return reader->Finish();
}

TEST(SecurityBounds, UnparseableRequestsAnswerInvalidArgumentOnEveryMethodAndAreCountedSo) {
  auto stack = SecurityStack::Start();
  ASSERT_NE(stack, nullptr);
  const std::string token = PersonToken(kCaseworker, "p1");
  // Field 1, length-delimited, 5 bytes announced, 2 present: no protobuf parser accepts it.
  const std::string body(
      "\x0a\x05"
      "ab",
      4);
  int refused = 0;
  const std::vector<const MethodDescriptor*> methods = CaseworkMethods();
  for (const MethodDescriptor* method : methods) {
    SCOPED_TRACE(MethodPath(method));
    ServiceProcess& service = stack->ServiceFor(method->service()->full_name());
    const grpc::Status status = SendRaw(service.channel, method, token, body);
    ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(ReasonOf(status), "REQUEST_UNPARSEABLE");
    EXPECT_EQ(status.error_message(),
              absl::StrCat("the request does not parse as ", method->input_type()->full_name()));
    ++refused;
  }
  for (const MethodDescriptor* method : methods) {
    SCOPED_TRACE(MethodPath(method));
    const std::string metrics = stack->Metrics(stack->ServiceFor(method->service()->full_name()));
    EXPECT_GE(Handled(metrics, method, "InvalidArgument"), 1);
    EXPECT_EQ(Handled(metrics, method, "Unimplemented"), 0);
  }
  std::printf(
      "FIGURE T4: %d of %zu methods answer an unparseable body INVALID_ARGUMENT "
      "REQUEST_UNPARSEABLE, counted as InvalidArgument (0 as Unimplemented)\n",
      refused, methods.size());
}

TEST(SecurityBounds, AFieldOverItsBoundIsRefusedOnEveryMethodNamingTheLimitAndChangesNothing) {
  auto stack = SecurityStack::Start();
  ASSERT_NE(stack, nullptr);
  const std::string token = PersonToken(kCaseworker, "p1");
  const std::vector<std::string> keys_before = stack->RedisKeys();
  int refused = 0;
  size_t largest_error = 0;
  const std::vector<const MethodDescriptor*> methods = CaseworkMethods();
  for (const MethodDescriptor* method : methods) {
    SCOPED_TRACE(MethodPath(method));
    // The request's first text field, 256 KiB long (far over any bound, under gRPC's 4 MiB).
    std::unique_ptr<google::protobuf::Message> request = NewInput(method);
    const FieldDescriptor* text = nullptr;
    for (int i = 0; i < request->GetDescriptor()->field_count() && text == nullptr; ++i) {
      const FieldDescriptor* field = request->GetDescriptor()->field(i);
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING && !field->is_repeated()) {
        text = field;
      }
    }
    ASSERT_NE(text, nullptr) << "a request without a text field";
    request->GetReflection()->SetString(request.get(), text, std::string(256 << 10, 'x'));
    ServiceProcess& service = stack->ServiceFor(method->service()->full_name());
    const CallOutcome outcome = Invoke(service.channel, method, Bearer(token), *request);
    ASSERT_EQ(outcome.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << outcome.status.error_message().substr(0, 200);
    const absl::Status status = FromGrpcStatus(outcome.status);
    std::optional<google::rpc::BadRequest> bad = GetBadRequest(status);
    ASSERT_TRUE(bad.has_value());
    ASSERT_EQ(bad->field_violations_size(), 1);
    EXPECT_EQ(bad->field_violations(0).field(), text->name());
    EXPECT_EQ(
        bad->field_violations(0).description(),
        absl::StrCat("is 262144 bytes long; the limit is ", BoundsOf(*text).max_bytes, " bytes"));
    largest_error = std::max(largest_error, outcome.status.error_message().size() +
                                                outcome.status.error_details().size());
    ++refused;
  }
  EXPECT_LT(largest_error, 1024u);
  EXPECT_EQ(stack->RedisKeys(), keys_before) << "a refused request changed Redis";
  std::printf(
      "FIGURE T3-wire: %d of %zu methods refuse a 256 KiB text field INVALID_ARGUMENT naming its "
      "bound; largest error %zu bytes; Redis unchanged\n",
      refused, methods.size(), largest_error);
}

TEST(SecurityBounds, ANameWithAnEscapedSeparatorIsNotAName) {
  auto stack = SecurityStack::Start();
  ASSERT_NE(stack, nullptr);
  for (const std::string& parent :
       {std::string("organizations/x%2Fteams%2Ft1"), std::string("organizations/x/teams/t1%2F"),
        std::string("organizations/X")}) {
    SCOPED_TRACE(parent);
    casework::v1::ListTeamsRequest request;
    request.set_parent(parent);
    casework::v1::ListTeamsResponse response;
    grpc::ClientContext context;
    context.AddMetadata("authorization", Bearer(SessionServiceToken()));
    const grpc::Status status = stack->records_stub().ListTeams(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(ReasonOf(status), "FIELD_INVALID");
  }
}

}  // namespace
}  // namespace casework::testing
