// Input decoding, reflection helpers and the status oracle of the service fuzzers.
#include "fuzz/common/grpc_request_fuzzing.h"

#include <grpcpp/generic/generic_stub.h>

#include <cstdio>
#include <cstdlib>
#include <future>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "libs/server/json_log.h"

namespace casework::fuzzing {

namespace pb = ::google::protobuf;

std::vector<FuzzCall> DecodeCalls(const uint8_t* data, size_t size, size_t max_calls) {
  std::vector<FuzzCall> calls;
  size_t at = 0;
  while (calls.size() < max_calls && size - at >= 2) {
    FuzzCall call;
    call.method = data[at];
    call.caller = data[at + 1];
    at += 2;
    size_t length = size - at;
    if (length >= 2) {
      length = std::min<size_t>(data[at] | (data[at + 1] << 8), size - at - 2);
      at += 2;
    }
    call.request.assign(reinterpret_cast<const char*>(data + at), length);
    at += length;
    calls.push_back(std::move(call));
  }
  return calls;
}

std::string EncodeCall(int method, int caller, const pb::Message& request) {
  const std::string bytes = request.SerializeAsString();
  std::string out;
  out.push_back(static_cast<char>(method));
  out.push_back(static_cast<char>(caller));
  out.push_back(static_cast<char>(bytes.size() & 0xff));
  out.push_back(static_cast<char>((bytes.size() >> 8) & 0xff));
  return out + bytes;
}

const pb::ServiceDescriptor& FindService(const std::string& full_name) {
  const pb::ServiceDescriptor* service =
      pb::DescriptorPool::generated_pool()->FindServiceByName(full_name);
  if (service == nullptr) {
    std::fprintf(stderr, "service %s is not linked in\n", full_name.c_str());
    std::abort();
  }
  return *service;
}

std::unique_ptr<pb::Message> ParseRequest(const pb::MethodDescriptor& method,
                                          const std::string& bytes) {
  const pb::Message* prototype =
      pb::MessageFactory::generated_factory()->GetPrototype(method.input_type());
  std::unique_ptr<pb::Message> request(prototype->New());
  if (!request->ParseFromString(bytes)) return nullptr;
  return request;
}

void ReplaceInStrings(pb::Message& message,
                      const std::vector<std::pair<std::string, std::string>>& replacements) {
  const pb::Reflection& reflection = *message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const pb::FieldDescriptor* field : fields) {
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING &&
        field->type() != pb::FieldDescriptor::TYPE_BYTES) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          reflection.SetRepeatedString(
              &message, field, i,
              absl::StrReplaceAll(reflection.GetRepeatedString(message, field, i), replacements));
        }
      } else {
        reflection.SetString(
            &message, field,
            absl::StrReplaceAll(reflection.GetString(message, field), replacements));
      }
    } else if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          ReplaceInStrings(*reflection.MutableRepeatedMessage(&message, field, i), replacements);
        }
      } else {
        ReplaceInStrings(*reflection.MutableMessage(&message, field), replacements);
      }
    }
  }
}

grpc::Status CallUnary(grpc::Channel& channel, const pb::MethodDescriptor& method,
                       const std::string& token, const pb::Message& request,
                       absl::Duration deadline) {
  grpc::GenericStub stub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  grpc::Slice slice(request.SerializeAsString());
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, absl::StrCat("/", method.service()->full_name(), "/", method.name()),
                 grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

void CheckStatus(const grpc::Status& status, const pb::MethodDescriptor& method, int caller,
                 const pb::Message& request) {
  // CASEWORK_FUZZ_VERBOSE=1 prints every answer (to see how deep a corpus reaches).
  static const bool verbose = std::getenv("CASEWORK_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%s caller %d -> %d %s\n", std::string(method.name()).c_str(), caller,
                 status.error_code(), status.error_message().c_str());
  }
  switch (status.error_code()) {
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::DATA_LOSS:
      std::fprintf(stderr, "%s (caller %d) answered %d \"%s\" to %s\n",
                   std::string(method.full_name()).c_str(), caller, status.error_code(),
                   status.error_message().c_str(), request.ShortDebugString().c_str());
      std::abort();
    default:
      break;
  }
}

void QuietLogs() { (void)InitJsonLogging("fuzz", "error"); }

}  // namespace casework::fuzzing
