// The two stored parts of a SessionSnapshot, each written as its one length-delimited field.
#include "services/session/snapshot_layout.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace casework::session {
namespace {

std::string FieldBytes(int field_number, const google::protobuf::MessageLite& value) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.WriteTag(static_cast<uint32_t>(field_number) << 3 | 2);  // length-delimited
    coded.WriteVarint32(static_cast<uint32_t>(value.ByteSizeLong()));
    value.SerializeWithCachedSizes(&coded);
  }
  return out;
}

}  // namespace

std::string SessionPartBytes(const casework::v1::SessionSnapshot& state) {
  std::string bytes =
      FieldBytes(casework::v1::SessionSnapshot::kSessionFieldNumber, state.session());
  for (const casework::v1::ContributionTally& tally : state.contribution_tallies()) {
    bytes += FieldBytes(casework::v1::SessionSnapshot::kContributionTalliesFieldNumber, tally);
  }
  return bytes;
}

std::string ProtocolPartBytes(const casework::v1::SessionSnapshot& state) {
  return FieldBytes(casework::v1::SessionSnapshot::kProtocolFieldNumber, state.protocol());
}

}  // namespace casework::session
