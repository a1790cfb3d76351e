// Cutting an audit entry's fields to their bounds (marked, hashed, never splitting a UTF-8
// character) and the stub of an entry the records service refused.
#include "libs/records_client/audit_bounds.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace casework {
namespace {

TEST(AuditBoundsTest, AValueWithinItsBoundIsKept) {
  EXPECT_EQ(CutToBound("organizations/o/teams/t", 128), "organizations/o/teams/t");
  casework::v1::AuditEntry entry;
  entry.set_actor("fac-1");
  entry.set_method("/casework.v1.SessionService/GetSession");
  entry.set_resource(std::string(kAuditResourceMax, 'r'));
  EXPECT_EQ(BoundAuditEntry(entry), 0);
  EXPECT_EQ(entry.resource().size(), kAuditResourceMax);
}

TEST(AuditBoundsTest, ALongValueKeepsAPrefixMarkedWithItsLengthAndHash) {
  const std::string name = "organizations/o/teams/t/sessions/" + std::string(1 << 20, 'x');
  const std::string cut = CutToBound(name, kAuditResourceMax);
  EXPECT_LE(cut.size(), kAuditResourceMax);
  EXPECT_TRUE(absl::StartsWith(cut, "organizations/o/teams/t/sessions/xxx"));
  EXPECT_TRUE(absl::StrContains(cut, "~cut:1048609:")) << cut;
  // Two long values with the same prefix stay distinguishable by their hash.
  EXPECT_NE(CutToBound(name + "y", kAuditResourceMax), cut);
  EXPECT_EQ(CutToBound(name, kAuditResourceMax), cut);  // and the same value cuts the same
}

TEST(AuditBoundsTest, ACutNeverSplitsAUtf8Character) {
  std::string text;
  for (int i = 0; i < 400; ++i) text += "\xC3\xBC";  // ü, two bytes each
  for (size_t max = 64; max < 120; ++max) {
    const std::string cut = CutToBound(text, max);
    ASSERT_LE(cut.size(), max);
    const size_t mark = cut.find("~cut:");
    ASSERT_NE(mark, std::string::npos);
    EXPECT_EQ(mark % 2, 0u) << "a character was split at bound " << max;
  }
}

TEST(AuditBoundsTest, BoundAuditEntryCutsEveryFieldOverItsBound) {
  casework::v1::AuditEntry entry;
  entry.set_actor(std::string(1000, 'a'));
  entry.set_method(std::string(1000, 'm'));
  entry.set_resource(std::string(1 << 20, 'r'));
  entry.set_reason(std::string(5000, 'e'));
  entry.set_request_id(std::string(1 << 20, 'q'));
  EXPECT_EQ(BoundAuditEntry(entry), 5);
  EXPECT_LE(entry.actor().size(), kAuditActorMax);
  EXPECT_LE(entry.method().size(), kAuditMethodMax);
  EXPECT_LE(entry.resource().size(), kAuditResourceMax);
  EXPECT_LE(entry.reason().size(), kAuditReasonMax);
  EXPECT_LE(entry.request_id().size(), kAuditRequestIdMax);
  EXPECT_LT(entry.ByteSizeLong(), 2200u);
}

TEST(AuditBoundsTest, AStubKeepsWhatCanBeStoredAndSaysWhy) {
  casework::v1::AuditEntry refused;
  refused.set_actor("");  // records requires an actor
  refused.set_organization("o1");
  refused.set_method("/casework.v1.SessionService/Get\x01Session");
  refused.set_resource("organizations/o1/teams/t/sessions/s");
  refused.set_request_id("r-1");
  refused.set_outcome(google::rpc::INVALID_ARGUMENT);
  refused.mutable_finish_time()->set_seconds(1800000000);
  const casework::v1::AuditEntry stub = AuditStub(refused, "audit_entries[0].actor: is required");
  EXPECT_EQ(stub.actor(), "unknown");
  EXPECT_EQ(stub.method(), "audit-entry-refused");
  EXPECT_EQ(stub.organization(), "o1");
  EXPECT_EQ(stub.outcome(), google::rpc::INVALID_ARGUMENT);
  EXPECT_EQ(stub.finish_time().seconds(), 1800000000);
  EXPECT_TRUE(stub.resource().empty());
  EXPECT_TRUE(stub.request_id().empty());
  EXPECT_TRUE(absl::StartsWith(stub.reason(), "audit stub: ")) << stub.reason();
  EXPECT_TRUE(absl::StrContains(stub.reason(), "actor: is required")) << stub.reason();
  EXPECT_TRUE(absl::StrContains(stub.reason(), "Get\\x01Session")) << stub.reason();
  EXPECT_TRUE(IsAuditToken(stub.actor(), kAuditActorMax));
  EXPECT_TRUE(IsAuditToken(stub.method(), kAuditMethodMax));
  // What was valid is kept.
  refused.set_actor("fac-1");
  refused.set_method("/casework.v1.SessionService/GetSession");
  const casework::v1::AuditEntry kept = AuditStub(refused, std::string(10000, 'z'));
  EXPECT_EQ(kept.actor(), "fac-1");
  EXPECT_EQ(kept.method(), "/casework.v1.SessionService/GetSession");
  EXPECT_LE(kept.reason().size(), kAuditReasonMax);
}

}  // namespace
}  // namespace casework
