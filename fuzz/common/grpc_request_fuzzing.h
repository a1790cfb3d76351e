// What the service fuzzers share. An input is a short sequence of calls, each
// [method byte][caller byte][request length, 2 bytes little-endian][request bytes]: the method
// byte picks one of the service's RPCs (modulo their number, in the order of the .proto), the
// caller byte one token of the target's cast, and the request bytes are the binary-serialised
// request (libprotobuf-mutator is not packaged for Debian 12, so libFuzzer mutates the bytes).
// A request that does not parse is skipped; one that parses is sent to the real service, whose
// answer must never be UNKNOWN, INTERNAL, UNIMPLEMENTED or DATA_LOSS: an invalid request gets
// INVALID_ARGUMENT or its documented specific code (CheckStatus aborts otherwise).
#ifndef FUZZ_COMMON_GRPC_REQUEST_FUZZING_H_
#define FUZZ_COMMON_GRPC_REQUEST_FUZZING_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace casework::fuzzing {

struct FuzzCall {
  int method = 0;
  int caller = 0;
  std::string request;  // serialised, possibly malformed
};

// At most `max_calls` calls; a truncated last call takes the bytes that are left.
std::vector<FuzzCall> DecodeCalls(const uint8_t* data, size_t size, size_t max_calls);
// One call in the input format (for seed corpora).
std::string EncodeCall(int method, int caller, const google::protobuf::Message& request);

// The service's descriptor from the generated pool (aborts when unknown).
const google::protobuf::ServiceDescriptor& FindService(const std::string& full_name);
// `bytes` parsed as the method's request; nullptr when they do not parse.
std::unique_ptr<google::protobuf::Message> ParseRequest(
    const google::protobuf::MethodDescriptor& method, const std::string& bytes);

// Replaces each placeholder by its value in every string field of `message`, recursively (seed
// requests name e.g. "{session}", which a target maps to a resource that exists).
void ReplaceInStrings(google::protobuf::Message& message,
                      const std::vector<std::pair<std::string, std::string>>& replacements);

// A unary call of `method` with `Bearer token` and a deadline, through the generic stub.
grpc::Status CallUnary(grpc::Channel& channel, const google::protobuf::MethodDescriptor& method,
                       const std::string& token, const google::protobuf::Message& request,
                       absl::Duration deadline = absl::Seconds(10));

// Aborts (with the method, caller index, status and request) on a code no request may produce.
void CheckStatus(const grpc::Status& status, const google::protobuf::MethodDescriptor& method,
                 int caller, const google::protobuf::Message& request);

// Silences the servers' JSON logs (libFuzzer runs millions of calls).
void QuietLogs();

}  // namespace casework::fuzzing

#endif  // FUZZ_COMMON_GRPC_REQUEST_FUZZING_H_
